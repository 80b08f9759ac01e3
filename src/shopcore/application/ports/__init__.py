"""Ports: what the use cases need from the outside world, as ``typing.Protocol``."""

from shopcore.application.ports.auth import (
    AccessClaims,
    OtpChallengeRepository,
    OtpGateway,
    RefreshTokenRepository,
    TokenSigner,
    UserRepository,
)
from shopcore.application.ports.catalog import (
    BestSeller,
    DemoImageSource,
    ProductCatalog,
    ProductFilters,
    ProductImport,
    ProductOrdering,
    ProductRepository,
)
from shopcore.application.ports.common import Clock, IdGenerator, PhoneNumberParser, RateLimiter
from shopcore.application.ports.images import (
    ImageStore,
    ImageTooLarge,
    StoredImage,
    UnsupportedImage,
)
from shopcore.application.ports.payments import (
    InvalidWebhookSignature,
    MalformedWebhook,
    OrderRefunds,
    PaymentEventKind,
    PaymentEventRecord,
    PaymentExists,
    PaymentGateway,
    PaymentRepository,
    ProviderEvent,
    ProviderOrder,
    ProviderRefund,
)
from shopcore.application.ports.shopping import (
    CartLineWithProduct,
    CartRepository,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    KeyedOrder,
    OrderRepository,
    ReviewRepository,
    WishlistEntry,
    WishlistRepository,
)
from shopcore.application.ports.unit_of_work import (
    ConcurrentUpdate,
    UnitOfWork,
    UnitOfWorkFactory,
)

__all__ = [
    "AccessClaims",
    "BestSeller",
    "Clock",
    "DemoImageSource",
    "IdGenerator",
    "ImageStore",
    "ImageTooLarge",
    "OtpChallengeRepository",
    "OtpGateway",
    "PhoneNumberParser",
    "ProductCatalog",
    "ProductFilters",
    "ProductImport",
    "ProductOrdering",
    "ProductRepository",
    "RateLimiter",
    "RefreshTokenRepository",
    "StoredImage",
    "TokenSigner",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UnsupportedImage",
    "UserRepository",
    # shopping
    "CartLineWithProduct",
    "CartRepository",
    "ConcurrentUpdate",
    "IdempotencyKeyTaken",
    "IdempotencyRecord",
    "KeyedOrder",
    "OrderRepository",
    "ReviewRepository",
    "WishlistEntry",
    "WishlistRepository",
    # payments
    "InvalidWebhookSignature",
    "MalformedWebhook",
    "OrderRefunds",
    "PaymentEventKind",
    "PaymentEventRecord",
    "PaymentExists",
    "PaymentGateway",
    "PaymentRepository",
    "ProviderEvent",
    "ProviderOrder",
    "ProviderRefund",
]
