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
from shopcore.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

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
]
