"""Settings for running many processes: pool limits, Redis, the S3 image store."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopcore.adapters.sql.engine import create_engine
from shopcore.entrypoints.settings import Settings, SettingsError


def load(tmp_path: Path, **env: str) -> Settings:
    return Settings.load({"SHOPCORE_ENV": "test", **env}, workdir=tmp_path)


def test_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert (settings.db_pool_size, settings.db_max_overflow, settings.db_pool_timeout,
            settings.db_pool_recycle) == (20, 10, 30, 1800)
    assert settings.image_store == "filesystem" and settings.s3_bucket is None
    assert settings.redis_url is None and settings.redis_key_prefix == "shopcore:"


def test_pool_and_s3_settings_are_read(tmp_path: Path) -> None:
    settings = load(
        tmp_path, SHOPCORE_DB_POOL_SIZE="5", SHOPCORE_DB_MAX_OVERFLOW="0",
        SHOPCORE_DB_POOL_TIMEOUT="3", SHOPCORE_DB_POOL_RECYCLE="0",
        SHOPCORE_REDIS_URL="redis://cache:6379/2", SHOPCORE_REDIS_KEY_PREFIX="staging:",
        SHOPCORE_IMAGE_STORE="s3",
        SHOPCORE_S3_BUCKET="shop-images", SHOPCORE_S3_ENDPOINT_URL="http://minio:9000",
        SHOPCORE_S3_REGION="ap-south-1", SHOPCORE_S3_PUBLIC_URL="https://cdn.shop.example/i")
    assert (settings.db_pool_size, settings.db_max_overflow, settings.db_pool_timeout,
            settings.db_pool_recycle) == (5, 0, 3, 0)
    assert settings.redis_url == "redis://cache:6379/2"
    assert settings.redis_key_prefix == "staging:"
    assert (settings.image_store, settings.s3_bucket, settings.s3_endpoint_url,
            settings.s3_region, settings.s3_public_url) == (
        "s3", "shop-images", "http://minio:9000", "ap-south-1", "https://cdn.shop.example/i")


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"SHOPCORE_IMAGE_STORE": "s3"}, "SHOPCORE_S3_BUCKET"),
        ({"SHOPCORE_IMAGE_STORE": "ftp"}, "SHOPCORE_IMAGE_STORE"),
        ({"SHOPCORE_S3_ENDPOINT_URL": "minio:9000"}, "SHOPCORE_S3_ENDPOINT_URL"),
        ({"SHOPCORE_S3_PUBLIC_URL": "cdn.example"}, "SHOPCORE_S3_PUBLIC_URL"),
        ({"SHOPCORE_REDIS_URL": "localhost:6379"}, "SHOPCORE_REDIS_URL"),
        ({"SHOPCORE_REDIS_KEY_PREFIX": "shop core:"}, "SHOPCORE_REDIS_KEY_PREFIX"),
        ({"SHOPCORE_REDIS_KEY_PREFIX": "x" * 65}, "SHOPCORE_REDIS_KEY_PREFIX"),
        ({"SHOPCORE_DB_MAX_OVERFLOW": "-1"}, "SHOPCORE_DB_MAX_OVERFLOW"),
        ({"SHOPCORE_DB_POOL_TIMEOUT": "0"}, "SHOPCORE_DB_POOL_TIMEOUT"),
        ({"SHOPCORE_DB_POOL_RECYCLE": "soon"}, "SHOPCORE_DB_POOL_RECYCLE"),
    ],
)
def test_a_wrong_value_names_its_setting(
    tmp_path: Path, env: dict[str, str], setting: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, **env)
    assert caught.value.name == setting and "\n" not in str(caught.value)


async def test_the_postgresql_pool_takes_the_settings() -> None:
    engine = create_engine("postgresql+asyncpg://u@127.0.0.1:1/db", pool_size=4,
                           max_overflow=2, pool_timeout=7, pool_recycle=600)
    try:
        pool = engine.sync_engine.pool
        assert pool.size() == 4  # type: ignore[attr-defined]
        assert pool._max_overflow == 2  # type: ignore[attr-defined]
        assert pool._timeout == 7  # type: ignore[attr-defined]
        assert pool._recycle == 600
        assert not pool._pre_ping  # idle connections are pinged instead: test_pool_ping.py
    finally:
        await engine.dispose()


async def test_pool_recycle_zero_means_never() -> None:
    engine = create_engine("postgresql+asyncpg://u@127.0.0.1:1/db", pool_recycle=0)
    try:
        assert engine.sync_engine.pool._recycle == -1
        assert engine.sync_engine.pool._max_overflow == 10  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
