"""Cambodian addresses, guest orders and delivery zones.

- user_addresses: `province` (ISO 3166-2:KH code, e.g. KH-12 for Phnom Penh), `district`
  (khan / district), `commune` (sangkat / commune), `landmark` (a note for the rider); the
  postal code becomes optional (most Cambodian addresses have none). Existing addresses get
  their province from their city (or state) where it names one, case-insensitively, in English
  or Khmer, with the usual spellings ("PP", "Kratie", "Sihanoukville"); the others keep their
  city text and have no province until edited.
- orders: `customer_phone` (E.164), and indexes on the contact email and phone, so an order can
  be looked up by number + email or phone and a guest's coupon uses counted.
- delivery_zones, delivery_zone_provinces (a province is in at most one zone: it is the key),
  delivery_methods: rates, free-delivery thresholds and estimates per zone. Seeded with the
  rates the shop charged until now: Phnom Penh standard $1.50 and same-day $3.50, the
  provinces standard $3.00.

Revision ID: 0013
Revises: 0011 (the lead rechains it onto 0012 at merge)
Create Date: 2026-12-07
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Frozen here (the app's list may change; this migration must not): code, names and spellings.
PROVINCE_NAMES = {
    "KH-12": ("Phnom Penh", "ភ្នំពេញ", "pp", "phnom penh city", "phnompenh", "រាជធានីភ្នំពេញ"),
    "KH-1": ("Banteay Meanchey", "បន្ទាយមានជ័យ", "banteay mean chey", "bmc"),
    "KH-2": ("Battambang", "បាត់ដំបង", "battambong", "btb"),
    "KH-3": ("Kampong Cham", "កំពង់ចាម", "kompong cham"),
    "KH-4": ("Kampong Chhnang", "កំពង់ឆ្នាំង", "kompong chhnang"),
    "KH-5": ("Kampong Speu", "កំពង់ស្ពឺ", "kompong speu"),
    "KH-6": ("Kampong Thom", "កំពង់ធំ", "kompong thom"),
    "KH-7": ("Kampot", "កំពត"),
    "KH-8": ("Kandal", "កណ្ដាល", "កណ្តាល"),
    "KH-9": ("Koh Kong", "កោះកុង"),
    "KH-10": ("Kratié", "ក្រចេះ", "kratie"),
    "KH-11": ("Mondulkiri", "មណ្ឌលគិរី", "mondul kiri", "mondolkiri"),
    "KH-13": ("Preah Vihear", "ព្រះវិហារ"),
    "KH-14": ("Prey Veng", "ព្រៃវែង"),
    "KH-15": ("Pursat", "ពោធិ៍សាត់"),
    "KH-16": ("Ratanakiri", "រតនគិរី", "ratanakkiri", "rattanakiri"),
    "KH-17": ("Siem Reap", "សៀមរាប", "siemreap"),
    "KH-18": ("Preah Sihanouk", "ព្រះសីហនុ", "sihanoukville", "kampong som", "kompong som"),
    "KH-19": ("Stung Treng", "ស្ទឹងត្រែង", "steung treng"),
    "KH-20": ("Svay Rieng", "ស្វាយរៀង"),
    "KH-21": ("Takéo", "តាកែវ", "takeo"),
    "KH-22": ("Oddar Meanchey", "ឧត្ដរមានជ័យ", "ឧត្តរមានជ័យ", "otdar meanchey"),
    "KH-23": ("Kep", "កែប", "kep city"),
    "KH-24": ("Pailin", "ប៉ៃលិន"),
    "KH-25": ("Tboung Khmum", "ត្បូងឃ្មុំ", "tbong khmum"),
}


def _key(text):
    text = unicodedata.normalize("NFC", text).strip().lower()
    for prefix in ("ខេត្ត", "រាជធានី", "province of ", "city of "):
        if text.startswith(prefix) and text != prefix:
            text = text[len(prefix) :]
    for suffix in (" province", " city", " capital"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    latin = "".join(c for c in unicodedata.normalize("NFD", text) if not ("\u0300" <= c <= "\u036f"))
    return " ".join(unicodedata.normalize("NFC", latin).replace("-", " ").split())


BY_NAME = {_key(name): code for code, names in PROVINCE_NAMES.items() for name in (code, *names)}


def province_of(*texts):
    """The province code the first matching text names, or None."""
    for text in texts:
        if text and text.strip():
            code = BY_NAME.get(_key(text))
            if code:
                return code
    return None


def money(name, nullable=False):
    return sa.Column(name, sa.Numeric(precision=12, scale=2), nullable=nullable)


def upgrade():
    with op.batch_alter_table("user_addresses") as batch_op:
        batch_op.add_column(sa.Column("province", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("district", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("commune", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("landmark", sa.String(length=255), nullable=True))
        batch_op.alter_column("postal_code", existing_type=sa.String(length=20), nullable=True)

    addresses = sa.table(
        "user_addresses", sa.column("id"), sa.column("city"), sa.column("state"), sa.column("province")
    )
    bind = op.get_bind()
    for address_id, city, state in bind.execute(sa.select(addresses.c.id, addresses.c.city, addresses.c.state)):
        code = province_of(city, state)
        if code:
            bind.execute(sa.update(addresses).where(addresses.c.id == address_id).values(province=code))

    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("customer_phone", sa.String(length=20), nullable=True))
        batch_op.create_index("idx_orders_customer_email", ["customer_email"])
        batch_op.create_index("idx_orders_customer_phone", ["customer_phone"])

    zones = op.create_table(
        "delivery_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("name_kh", sa.String(length=100), nullable=True),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_zones")),
    )
    zone_provinces = op.create_table(
        "delivery_zone_provinces",
        sa.Column("province", sa.String(length=10), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["delivery_zones.id"],
            name=op.f("fk_delivery_zone_provinces_zone_id_delivery_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("province", name=op.f("pk_delivery_zone_provinces")),
    )
    op.create_index("idx_delivery_zone_provinces_zone_id", "delivery_zone_provinces", ["zone_id"])
    methods = op.create_table(
        "delivery_methods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("name_kh", sa.String(length=100), nullable=True),
        money("rate"),
        money("free_over", nullable=True),
        sa.Column("estimate_en", sa.String(length=100), nullable=False),
        sa.Column("estimate_kh", sa.String(length=100), nullable=True),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint("rate >= 0", name="non_negative_rate"),
        sa.CheckConstraint("free_over IS NULL OR free_over > 0", name="positive_free_over"),
        sa.ForeignKeyConstraint(
            ["zone_id"],
            ["delivery_zones.id"],
            name=op.f("fk_delivery_methods_zone_id_delivery_zones"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_methods")),
        sa.UniqueConstraint("zone_id", "code", name=op.f("uq_delivery_methods_zone_id")),
    )

    op.bulk_insert(
        zones,
        [
            {"id": 1, "name_en": "Phnom Penh", "name_kh": "ភ្នំពេញ", "position": 1},
            {"id": 2, "name_en": "Provinces", "name_kh": "ខេត្ត", "position": 2},
        ],
    )
    op.bulk_insert(
        zone_provinces,
        [{"province": code, "zone_id": 1 if code == "KH-12" else 2} for code in PROVINCE_NAMES],
    )
    op.bulk_insert(
        methods,
        [
            {"zone_id": 1, "code": "standard", "name_en": "Standard delivery", "name_kh": "ដឹកជញ្ជូនធម្មតា",
             "rate": "1.50", "free_over": None, "estimate_en": "1–3 days", "estimate_kh": "១–៣ ថ្ងៃ", "position": 1},
            {"zone_id": 1, "code": "express", "name_en": "Same-day delivery", "name_kh": "ដឹកជញ្ជូនក្នុងថ្ងៃតែមួយ",
             "rate": "3.50", "free_over": None, "estimate_en": "Today", "estimate_kh": "ថ្ងៃនេះ", "position": 2},
            {"zone_id": 2, "code": "standard", "name_en": "Courier to the provinces",
             "name_kh": "ដឹកតាមក្រុមហ៊ុនដឹកជញ្ជូនទៅខេត្ត", "rate": "3.00", "free_over": None,
             "estimate_en": "2–3 days", "estimate_kh": "២–៣ ថ្ងៃ", "position": 1},
        ],
    )  # fmt: skip
    if bind.dialect.name == "postgresql":  # the ids above were given: move the sequence on
        bind.execute(sa.text("SELECT setval('delivery_zones_id_seq', (SELECT max(id) FROM delivery_zones))"))


def downgrade():
    op.drop_table("delivery_methods")
    op.drop_index("idx_delivery_zone_provinces_zone_id", table_name="delivery_zone_provinces")
    op.drop_table("delivery_zone_provinces")
    op.drop_table("delivery_zones")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_index("idx_orders_customer_phone")
        batch_op.drop_index("idx_orders_customer_email")
        batch_op.drop_column("customer_phone")
    addresses = sa.table("user_addresses", sa.column("postal_code"))
    op.execute(sa.update(addresses).where(addresses.c.postal_code.is_(None)).values(postal_code=""))
    with op.batch_alter_table("user_addresses") as batch_op:
        batch_op.alter_column("postal_code", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column("landmark")
        batch_op.drop_column("commune")
        batch_op.drop_column("district")
        batch_op.drop_column("province")
