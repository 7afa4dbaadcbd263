"""The shop's default information pages (the footer links to them), in English and Khmer.
`flask seed` writes those that do not exist yet; staff change them at /admin/pages."""

from __future__ import annotations

import sqlalchemy as sa

from shop.content.models import ContentPage
from shop.extensions import db

DELIVERY, RETURNS, PRIVACY = "delivery", "returns", "privacy"
FOOTER_PAGES = (DELIVERY, RETURNS, PRIVACY)

DEFAULT_PAGES: tuple[dict[str, str], ...] = (
    {
        "slug": DELIVERY,
        "title_en": "Delivery",
        "title_km": "ការដឹកជញ្ជូន",
        "body_en": """We deliver to Phnom Penh and to all 24 provinces.

## How long it takes

- **Phnom Penh**: 1–3 days, or the same day with same-day delivery.
- **Provinces**: 2–3 days by courier.

## What it costs

| where | standard | same day |
| --- | --- | --- |
| Phnom Penh | $1.50 | $3.50 |
| provinces | $3.00 | – |

The price for your address is shown in your cart and at checkout, before you order.

## Paying

Pay **cash on delivery** to the rider when your parcel arrives, or pay by **KHQR** with any
Cambodian banking app.
""",
        "body_km": """យើងដឹកជញ្ជូនទៅរាជធានីភ្នំពេញ និងខេត្តទាំង ២៤។

## រយៈពេលដឹកជញ្ជូន

- **ភ្នំពេញ**៖ ១–៣ ថ្ងៃ ឬក្នុងថ្ងៃតែមួយ ជាមួយការដឹកជញ្ជូនក្នុងថ្ងៃតែមួយ។
- **ខេត្ត**៖ ២–៣ ថ្ងៃ តាមក្រុមហ៊ុនដឹកជញ្ជូន។

## តម្លៃដឹកជញ្ជូន

| ទីកន្លែង | ធម្មតា | ក្នុងថ្ងៃតែមួយ |
| --- | --- | --- |
| ភ្នំពេញ | $1.50 | $3.50 |
| ខេត្ត | $3.00 | – |

តម្លៃសម្រាប់អាសយដ្ឋានរបស់អ្នកត្រូវបានបង្ហាញក្នុងកន្ត្រក និងពេលទូទាត់ប្រាក់ មុនពេលអ្នកបញ្ជាទិញ។

## ការបង់ប្រាក់

**បង់ប្រាក់ពេលទទួលទំនិញ** ជូនអ្នកដឹកជញ្ជូន ពេលកញ្ចប់ឥវ៉ាន់មកដល់ ឬបង់តាម **KHQR**
ជាមួយកម្មវិធីធនាគារណាមួយនៅកម្ពុជា។
""",
    },
    {
        "slug": RETURNS,
        "title_en": "Returns and refunds",
        "title_km": "ការប្រគល់ទំនិញ និងការសងប្រាក់វិញ",
        "body_en": """## 7 days to change your mind

Unopened products can be returned within 7 days of delivery for a full refund.

## Damaged or wrong items

If a product arrives damaged or is not what you ordered, tell us within 48 hours with a photo:
we replace it or refund you, delivery included.

## How to return

Message us on Telegram or call us with your order number. We pick the parcel up in Phnom Penh;
from the provinces, send it back by courier and we refund the cost.

## Refunds

Refunds are paid within 5 working days, by KHQR, or in cash for cash-on-delivery orders.
""",
        "body_km": """## ៧ ថ្ងៃ ដើម្បីប្ដូរចិត្ត

ផលិតផលដែលមិនទាន់បើក អាចប្រគល់វិញបានក្នុងរយៈពេល ៧ ថ្ងៃ បន្ទាប់ពីទទួលបាន ដោយទទួលបានប្រាក់វិញទាំងស្រុង។

## ទំនិញខូច ឬខុស

ប្រសិនបើផលិតផលមកដល់ដោយខូច ឬមិនមែនជាអ្វីដែលអ្នកបានបញ្ជាទិញ សូមប្រាប់យើងក្នុងរយៈពេល ៤៨ ម៉ោង
ជាមួយរូបថត៖ យើងនឹងប្ដូរជូន ឬសងប្រាក់វិញ រួមទាំងថ្លៃដឹកជញ្ជូន។

## របៀបប្រគល់វិញ

ផ្ញើសារមកយើងតាម Telegram ឬទូរស័ព្ទមកយើង ជាមួយលេខបញ្ជាទិញរបស់អ្នក។ យើងមកយកកញ្ចប់ឥវ៉ាន់នៅភ្នំពេញ។
ពីខេត្ត សូមផ្ញើត្រឡប់មកវិញតាមក្រុមហ៊ុនដឹកជញ្ជូន ហើយយើងសងថ្លៃនោះជូនវិញ។

## ការសងប្រាក់វិញ

ប្រាក់ត្រូវបានសងវិញក្នុងរយៈពេល ៥ ថ្ងៃធ្វើការ តាម KHQR ឬជាសាច់ប្រាក់ សម្រាប់ការបញ្ជាទិញដែលបង់ប្រាក់ពេលទទួលទំនិញ។
""",
    },
    {
        "slug": PRIVACY,
        "title_en": "Privacy",
        "title_km": "ឯកជនភាព",
        "body_en": """## What we keep

Your name, email, phone and delivery addresses, your orders and the reviews you write; if you
take the skin analysis while signed in, your skin type and concerns.

## Why

To deliver your orders, to answer you, and to suggest products for your skin. We do not sell
your data, and the shop uses no third-party trackers or advertising scripts.

## How long

Orders are kept as accounting records. You can ask us to delete your account at any time: your
orders stay, without your name and contact details.

## Questions

Write to us or message us on Telegram: we answer within two working days.
""",
        "body_km": """## អ្វីដែលយើងរក្សាទុក

ឈ្មោះ អ៊ីមែល លេខទូរស័ព្ទ និងអាសយដ្ឋានដឹកជញ្ជូនរបស់អ្នក ការបញ្ជាទិញរបស់អ្នក និងមតិវាយតម្លៃដែលអ្នកសរសេរ
ហើយប្រសិនបើអ្នកធ្វើការវិភាគស្បែក ពេលបានចូលគណនី ប្រភេទស្បែក និងបញ្ហាស្បែករបស់អ្នក។

## ហេតុអ្វី

ដើម្បីដឹកជញ្ជូនការបញ្ជាទិញរបស់អ្នក ដើម្បីឆ្លើយតបអ្នក និងដើម្បីណែនាំផលិតផលសម្រាប់ស្បែករបស់អ្នក។
យើងមិនលក់ទិន្នន័យរបស់អ្នកទេ ហើយហាងមិនប្រើកម្មវិធីតាមដាន ឬស្គ្រីបផ្សាយពាណិជ្ជកម្មរបស់ភាគីទីបីទេ។

## រយៈពេលរក្សាទុក

ការបញ្ជាទិញត្រូវបានរក្សាទុកជាកំណត់ត្រាគណនេយ្យ។ អ្នកអាចស្នើឱ្យយើងលុបគណនីរបស់អ្នកបានគ្រប់ពេល៖
ការបញ្ជាទិញរបស់អ្នកនៅដដែល ដោយគ្មានឈ្មោះ និងព័ត៌មានទំនាក់ទំនងរបស់អ្នក។

## សំណួរ

សរសេរមកយើង ឬផ្ញើសារមកយើងតាម Telegram៖ យើងឆ្លើយតបក្នុងរយៈពេលពីរថ្ងៃធ្វើការ។
""",
    },
)


def ensure_default_pages() -> int:
    """Add the default pages that do not exist yet (staff edits are kept); how many were added.
    The caller commits."""
    existing = set(db.session.scalars(sa.select(ContentPage.slug)))
    added = [ContentPage(**page) for page in DEFAULT_PAGES if page["slug"] not in existing]
    db.session.add_all(added)
    return len(added)
