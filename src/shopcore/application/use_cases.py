"""The list of the shop's use cases, one typed attribute each.

``shopcore.bootstrap(...)`` returns a ``Shop`` (real adapters) and
``shopcore.testing.build_in_memory_shop()`` an ``InMemoryShop`` (fakes). Both derive from
:class:`ShopUseCases`, so they expose the same use cases under the same names and code
written against ``ShopUseCases`` runs on either.
"""

from __future__ import annotations

import typing
from types import TracebackType
from typing import Self

from shopcore.application.auth.authenticate import AuthenticateAccess
from shopcore.application.auth.current_user import GetCurrentUser, PromoteToAdmin
from shopcore.application.auth.logout import Logout
from shopcore.application.auth.prune_expired import PruneExpiredCredentials
from shopcore.application.auth.refresh_session import RefreshSession
from shopcore.application.auth.request_otp import RequestOtp
from shopcore.application.auth.verify_otp import VerifyOtp
from shopcore.application.catalog.archive_product import ArchiveProduct
from shopcore.application.catalog.create_product import CreateProduct
from shopcore.application.catalog.get_product import GetProduct
from shopcore.application.catalog.list_products import ListProducts
from shopcore.application.catalog.most_bought import MostBoughtProducts
from shopcore.application.catalog.search_products import SearchProducts
from shopcore.application.catalog.seed_demo_catalog import SeedDemoCatalog
from shopcore.application.catalog.update_product import UpdateProduct
from shopcore.application.payments.confirm_checkout import ConfirmCheckout
from shopcore.application.payments.handle_razorpay_webhook import HandleRazorpayWebhook
from shopcore.application.payments.pay_for_order import PayForOrder
from shopcore.application.payments.refunds import RetryRefunds
from shopcore.application.shopping.add_review import AddReview
from shopcore.application.shopping.add_to_cart import AddToCart
from shopcore.application.shopping.add_to_wishlist import AddToWishlist
from shopcore.application.shopping.cancel_order import CancelOrder
from shopcore.application.shopping.change_order_status import ChangeOrderStatus
from shopcore.application.shopping.delete_review import DeleteReview
from shopcore.application.shopping.get_cart import GetCart
from shopcore.application.shopping.get_order import GetOrder
from shopcore.application.shopping.list_orders import ListOrders
from shopcore.application.shopping.list_reviews import ListReviews
from shopcore.application.shopping.list_wishlist import ListWishlist
from shopcore.application.shopping.place_order import PlaceOrder
from shopcore.application.shopping.remove_from_cart import RemoveFromCart
from shopcore.application.shopping.remove_from_wishlist import RemoveFromWishlist
from shopcore.application.shopping.seed_demo_orders import SeedDemoOrders
from shopcore.application.shopping.update_cart_line import UpdateCartLine


class ShopUseCases:
    """Every use case of the shop, ready to call: ``await shop.add_to_cart(command)``.

    Subclasses set every attribute when they are built; they also open and close
    whatever they hold (``migrate``, ``aclose``, ``async with``).
    """

    # login
    request_otp: RequestOtp
    verify_otp: VerifyOtp
    refresh_session: RefreshSession
    logout: Logout
    authenticate_access: AuthenticateAccess
    get_current_user: GetCurrentUser
    promote_to_admin: PromoteToAdmin
    prune_expired_credentials: PruneExpiredCredentials
    # catalog
    create_product: CreateProduct
    update_product: UpdateProduct
    archive_product: ArchiveProduct
    get_product: GetProduct
    list_products: ListProducts
    search_products: SearchProducts
    most_bought_products: MostBoughtProducts
    seed_demo_catalog: SeedDemoCatalog
    # shopping
    get_cart: GetCart
    add_to_cart: AddToCart
    update_cart_line: UpdateCartLine
    remove_from_cart: RemoveFromCart
    place_order: PlaceOrder
    cancel_order: CancelOrder
    list_orders: ListOrders
    get_order: GetOrder
    change_order_status: ChangeOrderStatus
    add_to_wishlist: AddToWishlist
    remove_from_wishlist: RemoveFromWishlist
    list_wishlist: ListWishlist
    add_review: AddReview
    delete_review: DeleteReview
    list_reviews: ListReviews
    seed_demo_orders: SeedDemoOrders
    # payments
    pay_for_order: PayForOrder
    confirm_checkout: ConfirmCheckout
    handle_razorpay_webhook: HandleRazorpayWebhook
    retry_refunds: RetryRefunds

    async def migrate(self) -> None:
        """Create or upgrade the shop's storage to the current schema."""

    async def aclose(self) -> None:
        """Release what the shop holds open (connections, HTTP clients)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def use_case_types() -> dict[str, type]:
    """Every attribute of :class:`ShopUseCases` and the use-case class it holds."""
    return {name: hint for name, hint in typing.get_type_hints(ShopUseCases).items()
            if isinstance(hint, type)}
