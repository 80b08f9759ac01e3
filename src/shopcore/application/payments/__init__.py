"""Payments: paying for an order, the provider's webhooks, and refunds when a paid
order is cancelled.

One use case per module, each a class with its ports injected and one
``async def __call__(command) -> result``.
"""
