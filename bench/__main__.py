"""``python -m bench`` (``make bench``): see ``python -m bench --help``."""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

from bench.options import parse_options
from bench.runner import run_scaling, run_standard


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """SIGTERM unwinds like Ctrl-C, so every started server is stopped."""
    sys.exit(128 + signum)


def main() -> int:
    """Run the benchmark the options ask for."""
    options = parse_options()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench: %(message)s",
                        datefmt="%H:%M:%S", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    try:
        if options.scaling:
            run_scaling(options)
        else:
            run_standard(options)
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
