"""A deterministic demo catalog: realistic names, about twenty categories, descriptions.

The same ``number`` always gives the same product, so demo data and benchmarks are
reproducible. The values are built to pass ``ProductDraft.create`` (checked by the
tests) and are constructed directly, skipping the per-character checks, so that a
hundred thousand products are generated in a second or two.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shopcore.domain.catalog import ProductDraft
from shopcore.domain.money import Money


@dataclass(frozen=True, slots=True)
class DemoCategory:
    """A category with the words its product names are made of, and its price range."""

    name: str
    nouns: tuple[str, ...]
    brands: tuple[str, ...]
    features: tuple[str, ...]
    min_price: int  # whole rupees
    max_price: int


CATEGORIES: tuple[DemoCategory, ...] = (
    DemoCategory("mobile", ("Smartphone", "Phone", "Feature Phone", "Foldable Phone"),
                 ("Nova", "Pixelon", "Orbit", "Zenfon"),
                 ("a 6.5-inch AMOLED display", "a 5000 mAh battery", "a 50 MP camera",
                  "5G connectivity", "128 GB of storage"), 4999, 89999),
    DemoCategory("laptops", ("Laptop", "Ultrabook", "Notebook", "Chromebook"),
                 ("Vertex", "Aerobook", "Lumina", "Tecra"),
                 ("a backlit keyboard", "16 GB of RAM", "a 512 GB SSD", "a 14-inch screen",
                  "all-day battery life"), 24999, 189999),
    DemoCategory("audio", ("Headphones", "Earbuds", "Bluetooth Speaker", "Soundbar"),
                 ("Sonique", "Bassline", "Echoa", "Tunely"),
                 ("active noise cancelling", "30 hours of playback", "deep bass",
                  "a built-in microphone", "fast charging"), 799, 29999),
    DemoCategory("cameras", ("Mirrorless Camera", "Action Camera", "Instant Camera",
                             "Camera Lens"),
                 ("Optix", "Shutterly", "Focale", "Kaida"),
                 ("4K video", "image stabilisation", "a 24 MP sensor", "weather sealing",
                  "Wi-Fi transfer"), 4999, 149999),
    DemoCategory("televisions", ("Smart TV", "LED TV", "QLED TV", "Projector"),
                 ("Visio", "Panora", "Cinex", "Brightview"),
                 ("a 55-inch 4K panel", "HDR10 support", "built-in streaming apps",
                  "Dolby Audio", "three HDMI ports"), 12999, 159999),
    DemoCategory("home-appliances", ("Washing Machine", "Refrigerator", "Microwave Oven",
                                     "Air Purifier"),
                 ("Homely", "Kuhl", "Frostline", "Aerapure"),
                 ("an inverter motor", "a 5-star energy rating", "a child lock",
                  "a quiet mode", "a digital display"), 5999, 79999),
    DemoCategory("kitchen", ("Mixer Grinder", "Pressure Cooker", "Non-stick Pan",
                             "Electric Kettle"),
                 ("Rasoi", "Chefmate", "Tawa & Co", "Steelwise"),
                 ("a stainless steel body", "three jars", "an induction base",
                  "a cool-touch handle", "a 1.5 litre capacity"), 399, 9999),
    DemoCategory("furniture", ("Office Chair", "Bookshelf", "Study Table", "Sofa"),
                 ("Woodcraft", "Nestora", "Comfy", "Oakline"),
                 ("solid sheesham wood", "ergonomic support", "easy assembly",
                  "a scratch-resistant finish", "ample storage"), 1999, 59999),
    DemoCategory("fashion-men", ("Cotton Shirt", "Denim Jeans", "Polo T-shirt", "Jacket"),
                 ("Urbane", "Khadiwala", "Streetline", "Loomcraft"),
                 ("breathable cotton", "a slim fit", "machine-washable fabric",
                  "reinforced stitching", "a classic collar"), 399, 4999),
    DemoCategory("fashion-women", ("Kurta", "Saree", "Dress", "Handbag"),
                 ("Rangrez", "Silkroute", "Aanya", "Chhaya"),
                 ("hand-block prints", "pure silk", "a relaxed fit", "fine embroidery",
                  "a lined interior"), 499, 14999),
    DemoCategory("footwear", ("Running Shoes", "Sandals", "Sneakers", "Formal Shoes"),
                 ("Stride", "Padma", "Runwell", "Kolhapuri House"),
                 ("cushioned soles", "a breathable mesh upper", "a non-slip grip",
                  "genuine leather", "lightweight build"), 499, 9999),
    DemoCategory("books", ("Novel", "Cookbook", "Biography", "Travel Guide"),
                 ("Penbridge", "Inkwell", "Sahitya", "Leafline"),
                 ("a hardcover binding", "illustrations", "an author interview",
                  "maps and photographs", "a foreword by the editor"), 149, 1999),
    DemoCategory("toys", ("Building Blocks", "Puzzle", "Remote Control Car", "Doll House"),
                 ("Playtopia", "Kidzee", "Brickly", "Funbox"),
                 ("non-toxic materials", "over 500 pieces", "rechargeable batteries",
                  "an age rating of 6+", "a storage box"), 299, 7999),
    DemoCategory("sports", ("Cricket Bat", "Yoga Mat", "Football", "Badminton Racket"),
                 ("Sixer", "Flexa", "Goalpost", "Smashpro"),
                 ("Kashmir willow", "an anti-slip surface", "a carry bag",
                  "tournament-grade build", "a lightweight frame"), 299, 14999),
    DemoCategory("beauty", ("Face Serum", "Sunscreen", "Lipstick", "Hair Oil"),
                 ("Glowveda", "Kesar", "Lumiere", "Tulsi Naturals"),
                 ("vitamin C", "SPF 50", "ayurvedic herbs", "a long-lasting formula",
                  "no parabens"), 199, 2999),
    DemoCategory("grocery", ("Basmati Rice", "Green Tea", "Masala Mix", "Dry Fruits"),
                 ("Annapurna", "Chaiwala", "Spicebox", "Harvest"),
                 ("organic ingredients", "a resealable pack", "a 1 kg pack",
                  "no added preservatives", "farm-fresh sourcing"), 99, 1999),
    DemoCategory("watches", ("Smartwatch", "Analog Watch", "Fitness Band", "Chronograph"),
                 ("Tempora", "Horae", "Pulse", "Meridian"),
                 ("heart-rate tracking", "a sapphire glass", "water resistance to 50 m",
                  "a stainless steel strap", "a 10-day battery"), 999, 39999),
    DemoCategory("computers", ("Monitor", "Mechanical Keyboard", "Wireless Mouse",
                               "External SSD"),
                 ("Clarity", "Keyforge", "Swiftclick", "Datavault"),
                 ("a 27-inch IPS panel", "hot-swappable switches", "a 2.4 GHz receiver",
                  "USB-C", "1 TB of storage"), 499, 49999),
    DemoCategory("garden", ("Planter", "Garden Hose", "Seed Kit", "Lawn Mower"),
                 ("Greenleaf", "Bageecha", "Bloomwell", "Terracotta Co"),
                 ("UV-resistant plastic", "a 15 m length", "heirloom seeds",
                  "a drip tray", "a foldable handle"), 199, 19999),
    DemoCategory("stationery", ("Notebook Set", "Fountain Pen", "Art Supplies Kit",
                                "Desk Organiser"),
                 ("Likhna", "Quillcraft", "Colorama", "Deskmate"),
                 ("acid-free paper", "a fine nib", "72 colours", "a bamboo finish",
                  "a gift box"), 99, 4999),
)

_ADJECTIVES = ("Classic", "Pro", "Lite", "Max", "Plus", "Prime", "Ultra", "Neo", "Eco",
               "Air", "Smart", "Elite")
_OPENINGS = ("Meet the", "Introducing the", "Discover the", "Say hello to the")
_CLOSINGS = ("Backed by a one-year warranty.", "Ships within two days.",
             "A customer favourite.", "Made for everyday use.", "Great value for money.")


def demo_product(number: int, currency: str = "INR") -> ProductDraft:
    """The ``number``-th demo product (0-based), always the same for the same number."""
    rng = random.Random(number)
    category = CATEGORIES[number % len(CATEGORIES)]
    noun, brand = rng.choice(category.nouns), rng.choice(category.brands)
    name = f"{brand} {noun} {rng.choice(_ADJECTIVES)} {100 + number // len(CATEGORIES)}"
    first, second = rng.sample(category.features, 2)
    description = (f"{rng.choice(_OPENINGS)} {brand} {noun}, with {first} and "
                   f"{second}. {rng.choice(_CLOSINGS)}")
    rupees = rng.randint(category.min_price, category.max_price)
    minor = rupees * 100 if rng.random() < 0.5 else (rupees - 1) * 100 + 99
    stock = 0 if number % 17 == 5 else rng.randint(1, 250)
    return ProductDraft(name=name, description=description, price=Money(minor, currency),
                        category=category.name, stock=stock)
