"""Shopping: the cart, placing and managing orders, the wishlist and reviews.

One use case per module, each a class with its ports injected and one
``async def __call__(command) -> result``.
"""
