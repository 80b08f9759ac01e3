"""The shop's use cases, their commands, queries and results, and the ports they need.

This is the public surface of the application layer: import from here, not from the
modules below it (their layout may change). Each use case is a class taking its ports
in the constructor and one command or query in ``async def __call__``; nothing here
imports a framework, a database driver or an HTTP client.

>>> from shopcore.application import AddToCartCommand
>>> AddToCartCommand(user_id="u-1", product_id=7, quantity=2)
AddToCartCommand(user_id='u-1', product_id=7, quantity=2)
"""

# login
from shopcore.application.auth.authenticate import AuthenticateAccess
from shopcore.application.auth.current_user import GetCurrentUser, PromoteToAdmin
from shopcore.application.auth.logout import Logout, LogoutCommand
from shopcore.application.auth.prune_expired import PrunedCredentials, PruneExpiredCredentials
from shopcore.application.auth.refresh_session import RefreshSession, RefreshSessionCommand
from shopcore.application.auth.request_otp import (
    OtpPolicy,
    OtpRequested,
    RequestOtp,
    RequestOtpCommand,
)
from shopcore.application.auth.sessions import SessionTokens
from shopcore.application.auth.verify_otp import LoggedIn, VerifyOtp, VerifyOtpCommand

# catalog
from shopcore.application.catalog.archive_product import ArchiveProduct
from shopcore.application.catalog.create_product import CreateProduct, CreateProductCommand
from shopcore.application.catalog.get_product import GetProduct
from shopcore.application.catalog.list_products import ListProducts, ListProductsQuery
from shopcore.application.catalog.most_bought import MostBoughtProducts, MostBoughtQuery
from shopcore.application.catalog.search_products import SearchProducts, SearchProductsQuery
from shopcore.application.catalog.seed_demo_catalog import (
    DemoCatalogSeeded,
    SeedDemoCatalog,
    SeedDemoCatalogCommand,
)
from shopcore.application.catalog.update_product import UpdateProduct, UpdateProductCommand

# lists
from shopcore.application.pagination import MAX_PAGE, MAX_PAGE_SIZE, Page, PageRequest

# payments
from shopcore.application.payments.confirm_checkout import ConfirmCheckout, ConfirmCheckoutCommand
from shopcore.application.payments.handle_razorpay_webhook import (
    HandleRazorpayWebhook,
    HandleRazorpayWebhookCommand,
    WebhookOutcome,
)
from shopcore.application.payments.pay_for_order import Checkout, PayForOrder, PayForOrderCommand
from shopcore.application.payments.refunds import PaymentRefunds, RetriedRefunds, RetryRefunds

# ports
from shopcore.application.ports import (
    AccessClaims,
    BestSeller,
    CartLineWithProduct,
    CartRepository,
    CartSnapshot,
    Clock,
    ConcurrentUpdate,
    DemoImageSource,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    IdGenerator,
    ImageStore,
    ImageTooLarge,
    InvalidCheckoutSignature,
    InvalidWebhookSignature,
    KeyedOrder,
    LockedCart,
    MalformedWebhook,
    OrderRefunds,
    OrderRepository,
    OtpChallengeRepository,
    OtpGateway,
    PaymentEventKind,
    PaymentEventRecord,
    PaymentExists,
    PaymentGateway,
    PaymentRepository,
    PhoneNumberParser,
    ProductCatalog,
    ProductFilters,
    ProductImport,
    ProductOrdering,
    ProductRepository,
    ProviderEvent,
    ProviderOrder,
    ProviderRefund,
    RateLimiter,
    RecentCarts,
    RefreshTokenRepository,
    ReviewRepository,
    RevokedLogins,
    StoredImage,
    TokenSigner,
    UnitOfWork,
    UnitOfWorkFactory,
    UnsupportedImage,
    UserRepository,
    WishlistEntry,
    WishlistRepository,
    WrittenCartLine,
)

# shopping
from shopcore.application.shopping.add_review import AddReview, AddReviewCommand
from shopcore.application.shopping.add_to_cart import AddToCart, AddToCartCommand
from shopcore.application.shopping.add_to_wishlist import (
    AddToWishlist,
    AddToWishlistCommand,
    WishlistAdded,
)
from shopcore.application.shopping.addresses import ShippingAddressInput
from shopcore.application.shopping.cancel_order import CancelOrder, CancelOrderCommand
from shopcore.application.shopping.change_order_status import (
    ChangeOrderStatus,
    ChangeOrderStatusCommand,
)
from shopcore.application.shopping.delete_review import DeleteReview, DeleteReviewCommand
from shopcore.application.shopping.get_cart import GetCart, GetCartQuery
from shopcore.application.shopping.get_order import GetOrder, GetOrderQuery
from shopcore.application.shopping.idempotency import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    IdempotencyKeyReused,
)
from shopcore.application.shopping.list_orders import ListOrders, ListOrdersQuery
from shopcore.application.shopping.list_reviews import ListReviews, ListReviewsQuery
from shopcore.application.shopping.list_wishlist import ListWishlist, ListWishlistQuery
from shopcore.application.shopping.place_order import PlacedOrder, PlaceOrder, PlaceOrderCommand
from shopcore.application.shopping.remove_from_cart import RemoveFromCart, RemoveFromCartCommand
from shopcore.application.shopping.remove_from_wishlist import (
    RemoveFromWishlist,
    RemoveFromWishlistCommand,
)
from shopcore.application.shopping.seed_demo_orders import (
    DemoOrdersSeeded,
    SeedDemoOrders,
    SeedDemoOrdersCommand,
)
from shopcore.application.shopping.update_cart_line import UpdateCartLine, UpdateCartLineCommand

# every use case by attribute name
from shopcore.application.use_cases import ShopUseCases, use_case_types

__all__ = [
    # every use case by attribute name
    "ShopUseCases",
    "use_case_types",
    # login
    "GetCurrentUser",
    "LoggedIn",
    "AuthenticateAccess",
    "Logout",
    "LogoutCommand",
    "OtpPolicy",
    "OtpRequested",
    "PromoteToAdmin",
    "PrunedCredentials",
    "PruneExpiredCredentials",
    "RefreshSession",
    "RefreshSessionCommand",
    "RequestOtp",
    "RequestOtpCommand",
    "SessionTokens",
    "VerifyOtp",
    "VerifyOtpCommand",
    # catalog
    "ArchiveProduct",
    "CreateProduct",
    "CreateProductCommand",
    "DemoCatalogSeeded",
    "GetProduct",
    "ListProducts",
    "ListProductsQuery",
    "MostBoughtProducts",
    "MostBoughtQuery",
    "SearchProducts",
    "SearchProductsQuery",
    "SeedDemoCatalog",
    "SeedDemoCatalogCommand",
    "UpdateProduct",
    "UpdateProductCommand",
    # shopping
    "AddReview",
    "AddReviewCommand",
    "AddToCart",
    "AddToCartCommand",
    "AddToWishlist",
    "AddToWishlistCommand",
    "CancelOrder",
    "CancelOrderCommand",
    "ChangeOrderStatus",
    "ChangeOrderStatusCommand",
    "DeleteReview",
    "DeleteReviewCommand",
    "GetCart",
    "GetCartQuery",
    "GetOrder",
    "GetOrderQuery",
    "IdempotencyKeyReused",
    "ListOrders",
    "ListOrdersQuery",
    "ListReviews",
    "ListReviewsQuery",
    "ListWishlist",
    "ListWishlistQuery",
    "MAX_IDEMPOTENCY_KEY_LENGTH",
    "PlaceOrder",
    "DemoOrdersSeeded",
    "PlaceOrderCommand",
    "PlacedOrder",
    "RemoveFromCart",
    "RemoveFromCartCommand",
    "RemoveFromWishlist",
    "RemoveFromWishlistCommand",
    "SeedDemoOrders",
    "SeedDemoOrdersCommand",
    "ShippingAddressInput",
    "UpdateCartLine",
    "UpdateCartLineCommand",
    "WishlistAdded",
    # payments
    "Checkout",
    "ConfirmCheckout",
    "ConfirmCheckoutCommand",
    "HandleRazorpayWebhook",
    "HandleRazorpayWebhookCommand",
    "PayForOrder",
    "PayForOrderCommand",
    "PaymentRefunds",
    "RetriedRefunds",
    "RetryRefunds",
    "WebhookOutcome",
    # lists
    "MAX_PAGE",
    "MAX_PAGE_SIZE",
    "Page",
    "PageRequest",
    # ports
    "AccessClaims",
    "BestSeller",
    "CartLineWithProduct",
    "CartRepository",
    "Clock",
    "ConcurrentUpdate",
    "DemoImageSource",
    "IdGenerator",
    "IdempotencyKeyTaken",
    "IdempotencyRecord",
    "ImageStore",
    "ImageTooLarge",
    "InvalidCheckoutSignature",
    "InvalidWebhookSignature",
    "KeyedOrder",
    "CartSnapshot",
    "LockedCart",
    "MalformedWebhook",
    "OrderRefunds",
    "OrderRepository",
    "RecentCarts",
    "OtpChallengeRepository",
    "OtpGateway",
    "PaymentEventKind",
    "PaymentEventRecord",
    "PaymentExists",
    "PaymentGateway",
    "PaymentRepository",
    "PhoneNumberParser",
    "ProductCatalog",
    "ProductFilters",
    "ProductImport",
    "ProductOrdering",
    "ProductRepository",
    "ProviderEvent",
    "ProviderOrder",
    "ProviderRefund",
    "RateLimiter",
    "RefreshTokenRepository",
    "RevokedLogins",
    "ReviewRepository",
    "StoredImage",
    "TokenSigner",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UnsupportedImage",
    "UserRepository",
    "WishlistEntry",
    "WishlistRepository",
    "WrittenCartLine",
]
