"""The three demo quote forms, as data: a kitchen renovation, a website project and office
cleaning. Between them they use every field type; prices are in EUR with 21% VAT.

``DEMO_FORMS`` lists each form's fields for ``Form`` plus ``owner``: ``"rep0"``, ``"rep1"`` or
``"admin"`` (resolved against the demo users by ``betterform.demo``).
"""

from __future__ import annotations

from typing import Any

EUR_21 = {"currency": "EUR", "tax_rate": "21"}


def _options(*items: tuple[str, str, str | None]) -> list[dict[str, str]]:
    """``(value, label, price or None)`` tuples as schema options."""
    return [
        {"value": value, "label": label, **({"price": price} if price else {})}
        for value, label, price in items
    ]


KITCHEN: dict[str, Any] = {
    "sections": [
        {
            "title": "Your kitchen",
            "description": "Measure the floor of the room the new kitchen goes in.",
            "fields": [
                {
                    "key": "area",
                    "label": "Kitchen area",
                    "type": "number",
                    "required": True,
                    "min": 4,
                    "max": 60,
                    "help_text": "Floor area in square metres.",
                    "pricing": {"unit_price": "85.00", "unit_label": "m²"},
                },
                {
                    "key": "layout",
                    "label": "Layout",
                    "type": "choice",
                    "required": True,
                    "options": _options(
                        ("straight", "Straight (one wall)", None),
                        ("l_shaped", "L-shaped", "1200.00"),
                        ("u_shaped", "U-shaped", "2400.00"),
                        ("galley", "Galley (two walls)", "1600.00"),
                    ),
                },
                {
                    "key": "cabinet_finish",
                    "label": "Cabinet finish",
                    "type": "choice",
                    "required": True,
                    "options": _options(
                        ("laminate", "Matt laminate", "3800.00"),
                        ("oak", "Oak veneer", "6900.00"),
                        ("lacquer", "High-gloss lacquer", "8400.00"),
                    ),
                },
                {
                    "key": "worktop",
                    "label": "Worktop",
                    "type": "choice",
                    "required": True,
                    "options": _options(
                        ("laminate", "Laminate", "650.00"),
                        ("quartz", "Quartz composite", "2100.00"),
                        ("granite", "Granite", "2750.00"),
                    ),
                },
            ],
        },
        {
            "title": "Appliances and extras",
            "fields": [
                {
                    "key": "appliances",
                    "label": "Built-in appliances",
                    "type": "multi_choice",
                    "max_choices": 5,
                    "options": _options(
                        ("oven", "Oven", "890.00"),
                        ("induction", "Induction hob", "740.00"),
                        ("dishwasher", "Dishwasher", "680.00"),
                        ("fridge", "Fridge-freezer", "1150.00"),
                        ("hood", "Extractor hood", "420.00"),
                    ),
                },
                {
                    "key": "island",
                    "label": "Kitchen island",
                    "type": "boolean",
                    "pricing": {"price": "1800.00"},
                },
                {
                    "key": "removal",
                    "label": "Remove and dispose of the old kitchen",
                    "type": "boolean",
                    "pricing": {"price": "350.00"},
                },
            ],
        },
        {
            "title": "Planning",
            "fields": [
                {
                    "key": "start_date",
                    "label": "Preferred start date",
                    "type": "date",
                    "min_date": "2026-01-05",
                    "max_date": "2027-12-17",
                },
                {"key": "notes", "label": "Anything we should know?", "type": "textarea"},
            ],
        },
    ],
    "pricing": {
        **EUR_21,
        "fixed_fees": [
            {"description": "Site survey and measuring", "amount": "150.00"},
            {"description": "Delivery and waste disposal", "amount": "95.00"},
        ],
    },
}

WEBSITE: dict[str, Any] = {
    "sections": [
        {
            "title": "The website",
            "fields": [
                {
                    "key": "project_type",
                    "label": "Kind of website",
                    "type": "choice",
                    "required": True,
                    "options": _options(
                        ("brochure", "Company brochure site", "2400.00"),
                        ("shop", "Online shop", "6500.00"),
                        ("portal", "Customer portal", "9800.00"),
                    ),
                },
                {
                    "key": "pages",
                    "label": "Number of page templates",
                    "type": "integer",
                    "required": True,
                    "min": 1,
                    "max": 40,
                    "pricing": {"unit_price": "120.00", "unit_label": "page"},
                },
                {
                    "key": "extra_languages",
                    "label": "Extra languages",
                    "type": "integer",
                    "min": 0,
                    "max": 4,
                    "help_text": "Besides the main language.",
                    "pricing": {"unit_price": "450.00", "unit_label": "language"},
                },
                {
                    "key": "features",
                    "label": "Features",
                    "type": "multi_choice",
                    "min_choices": 1,
                    "max_choices": 4,
                    "options": _options(
                        ("blog", "Blog", "600.00"),
                        ("booking", "Online booking", "1400.00"),
                        ("newsletter", "Newsletter sign-up", "350.00"),
                        ("search", "Site search", "800.00"),
                        ("seo", "SEO set-up", "900.00"),
                    ),
                },
                {
                    "key": "hosting",
                    "label": "Managed hosting, first year",
                    "type": "boolean",
                    "pricing": {"price": "240.00"},
                },
            ],
        },
        {
            "title": "Content and budget",
            "fields": [
                {
                    "key": "copywriting_hours",
                    "label": "Copywriting",
                    "type": "number",
                    "min": 0,
                    "max": 40,
                    "help_text": "Hours of copywriting, if we write the texts.",
                    "pricing": {"unit_price": "65.00", "unit_label": "h"},
                },
                {
                    "key": "current_site",
                    "label": "Current website address",
                    "type": "text",
                    "max_length": 200,
                },
                {
                    "key": "budget",
                    "label": "Indicative budget",
                    "type": "money",
                    "min": 1000,
                    "max": 50000,
                },
                {
                    "key": "launch_date",
                    "label": "Wished launch date",
                    "type": "date",
                    "min_date": "2026-02-01",
                },
                {"key": "brief", "label": "Short brief", "type": "textarea", "max_length": 2000},
            ],
        },
    ],
    "pricing": {
        **EUR_21,
        "fixed_fees": [{"description": "Discovery workshop", "amount": "600.00"}],
    },
}

CLEANING: dict[str, Any] = {
    "sections": [
        {
            "title": "Premises",
            "description": "Prices are per month.",
            "fields": [
                {
                    "key": "office_area",
                    "label": "Office floor area",
                    "type": "number",
                    "required": True,
                    "min": 50,
                    "max": 5000,
                    "pricing": {"unit_price": "1.85", "unit_label": "m²"},
                },
                {
                    "key": "frequency",
                    "label": "Cleaning visits",
                    "type": "choice",
                    "required": True,
                    "options": _options(
                        ("weekly", "Once a week", None),
                        ("twice", "Twice a week", "180.00"),
                        ("three", "Three times a week", "340.00"),
                        ("daily", "Every working day", "620.00"),
                    ),
                },
                {
                    "key": "sanitary_units",
                    "label": "Toilets and washrooms",
                    "type": "integer",
                    "required": True,
                    "min": 1,
                    "max": 40,
                    "pricing": {"unit_price": "24.00", "unit_label": "room"},
                },
                {
                    "key": "windows",
                    "label": "Monthly window cleaning",
                    "type": "boolean",
                    "pricing": {"price": "160.00"},
                },
                {
                    "key": "extras",
                    "label": "Extra services",
                    "type": "multi_choice",
                    "options": _options(
                        ("carpets", "Carpet deep clean (quarterly)", "95.00"),
                        ("kitchen", "Pantry and kitchen care", "120.00"),
                        ("supplies", "Hygiene supplies", "75.00"),
                        ("waste", "Waste separation", "45.00"),
                    ),
                },
            ],
        },
        {
            "title": "On site",
            "fields": [
                {"key": "contact_person", "label": "Contact on site", "type": "text"},
                {"key": "contact_email", "label": "Contact email", "type": "email"},
                {"key": "contact_phone", "label": "Contact phone", "type": "phone"},
                {
                    "key": "start_date",
                    "label": "First cleaning day",
                    "type": "date",
                    "required": True,
                    "min_date": "2026-01-05",
                    "max_date": "2026-12-21",
                },
                {
                    "key": "access_notes",
                    "label": "Access and alarm instructions",
                    "type": "textarea",
                    "max_length": 1000,
                },
            ],
        },
    ],
    "pricing": {
        **EUR_21,
        "fixed_fees": [{"description": "Initial deep clean", "amount": "250.00"}],
    },
}

DEMO_FORMS: list[dict[str, Any]] = [
    {
        "slug": "kitchen-renovation",
        "name": "Kitchen renovation",
        "description": "A new kitchen, designed, delivered and fitted.",
        "owner": "rep0",
        "schema": KITCHEN,
    },
    {
        "slug": "website-project",
        "name": "Website project",
        "description": "Design and build of a company website.",
        "owner": "rep1",
        "schema": WEBSITE,
    },
    {
        "slug": "office-cleaning",
        "name": "Office cleaning",
        "description": "A monthly office cleaning contract.",
        "owner": "admin",
        "schema": CLEANING,
    },
]
