"""Flask extensions, created unbound; `create_app` binds them."""

from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import Babel
from flask_caching import Cache
from flask_compress import Compress
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from shop.infra.csrf import CSRFProtect

# Stable constraint names, so migrations can name what they alter on PostgreSQL and SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# The models' base class. At run time it is `db.Model` (Base plus Flask-SQLAlchemy's `query` and bind
# handling); mypy cannot take a variable as a base class, so it checks the models against Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
cache = Cache()
compress = Compress()


def global_rate_limit() -> str:
    """RATE_LIMIT_GLOBAL: what one address may send in all, every endpoint together (each
    endpoint's own limit still applies). Storefront page views are exempt (shop.create_app)."""
    return current_app.config["RATE_LIMIT_GLOBAL"]


limiter = Limiter(key_func=get_remote_address, application_limits=[global_rate_limit])

jwt = JWTManager()
