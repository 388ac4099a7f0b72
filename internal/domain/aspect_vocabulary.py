"""The canonical aspects and the words that name them: one vocabulary for every product of every job, so "cost",
"expensive" and "value for money" all read as "price" and two products can be compared aspect by aspect.

Terms are matched on lemmas (internal/domain/sentences.py), longest first. A term ending in "?" is weak: it names
its aspect only when nothing else in the sentence names one ("slow" is performance in "slow to boil", but in
"charging is slow" the aspect is the battery). A term mapped to "" names nothing: it stops a shorter term from
matching inside a phrase that means something else ("out of the box" is no packaging).
"""

from __future__ import annotations

from internal.domain.sentences import lemma, words

VOCABULARY: dict[str, str] = {
    "price": """price, priced, cost, costly, expensive, inexpensive, cheap, cheaper, cheapest, affordable, overpriced,
        pricey, pricy, value, value for money, money, worth, worth it, worth the money, worth every penny, penny,
        bargain, deal?, budget, educational value =, play value =, sentimental value =,
        entertainment value =, dollar, buck, reasonably priced, a steal, for the money""",
    "quality": """quality, build quality, well made, poorly made, badly made, cheaply made, made well, construction,
        craftsmanship, sturdy, solid?, flimsy, feels cheap, looks cheap, cheap plastic, cheap feeling,
        well built, poorly built, stitching, seam, rickety, premium, shoddy, creak, cheap cardboard,
        cheap material, cheap fabric, cheap feel, cheap looking""",
    "durability": """durable, durability, broke, broken, break?, stopped working, quit working, died?, dead?,
        fell apart, falling apart, came apart, wore out, worn out, lasted?, last?, long lasting, cracked, peeling,
        peeled, ripped, tore, torn, snapped, faded, fade?, rust, rusted, defective, came off, fell off, holding up,
        held up, stays on, chipped, warped, won't turn on, scratches easily, scratch?, split open, came undone,
        frayed, unraveled, unravelled, keeps its shape, holds its shape, lost its shape""",
    "battery life": """battery, battery life, charge, charging, charger, recharge, rechargeable, holds a charge,
        mah, drain?, runtime, run time""",
    "sound quality": """sound, sound quality, audio, audio quality, bass, treble, speaker, microphone, mic,
        microphone quality, mic quality, call quality, volume?""",
    "noise": """noise, noisy, loud, quiet, silent, silently, squeak, squeaky, rattle, hum?, buzz, buzzing, whine,
        noise cancelling, noise canceling, decibel""",
    "screen": """screen, display, touchscreen, touch screen, resolution, brightness, picture quality,
        image quality, pixel, glare""",
    "camera": """camera, photo quality, video quality, lens, zoom, selfie, take photo, take picture""",
    "connectivity": """bluetooth, wifi, wi fi, wireless, connection, connect, connected, connecting, disconnect,
        disconnecting, pairing, paired, pair with, signal, range?, reception, reconnect""",
    "app": """app, application, software, firmware, update?, interface, menu""",
    "performance": """performance, perform, speed, fast?, slow?, quick?, lag, laggy, sluggish, responsive,
        powerful, power?, suction, processor, efficient, efficiency, effective, sharp?, sharpness, close shave,
        coverage""",
    "ease of use": """easy to use, easy to operate, simple to use, user friendly, intuitive, straightforward,
        hard to use, difficult to use, complicated, confusing?, ease of use, learning curve, easy to?""",
    "setup": """setup, set up, setting up, install, installation, installed, installing, assembly, assemble,
        assembled, put together, putting together, easy to assemble, easy to set up, mount, mounting""",
    "instructions": """instructions, manual, broken english =, directions, instruction manual, user manual""",
    "size": """size, small?, smaller?, tiny?, large?, larger?, big?, bigger?, huge?, compact, bulky, dimension,
        fits in, space, counter space, footprint, portable""",
    "fit": """fit?, the fit, fitting, fitted, true to size, runs small, runs large, size up,
        size down, sizing, snug, tight?, loose, baggy, waist?, inseam, sleeve?""",
    "comfort": """comfortable, comfort, uncomfortable, comfy, itchy, scratchy, cushioning, cushioned, ergonomic,
        pinch, dig into, chafe, chafing""",
    "material": """material, fabric, cotton, wool, leather, polyester, nylon, linen, silk, denim, suede, shrunk,
        shrink, shrinkage, see through, thin?, breathable""",
    "appearance": """colour, color, skin tone, white cast, design, look?, style, stylish, pattern, finish?, shade,
        cute?, gorgeous?, ugly,
        aesthetic, appearance, elegant, sleek""",
    "weight": """weight, weigh, heavy, heavier, light?, lightweight, light weight, hefty, heavy use =, heavy duty =""",
    "shipping": """shipping, shipped, ship, delivery, delivered, deliver, arrived, arrive, arrival, courier,
        postage, dispatch, dispatched, tracking""",
    "packaging": """packaging, package, packaged, packed, box, wrapped, wrapping, bubble wrap, packing,
        out of the box =""",
    "customer service": """customer service, customer support, support, service, seller, vendor, refund, refunded,
        replacement, replaced, warranty, return policy""",
    "smell": """smell, smelly, scent, scented, fragrance, fragrant, odor, odour, perfume, stink, unscented""",
    "taste": """taste, flavor, flavour, aftertaste, bland""",
    "texture": """texture, consistency, greasy, sticky, creamy, oily, absorb, clump, clumpy, runny, gritty""",
    "skin": """skin, irritation, irritated, irritate, rash, breakout, broke me out, break me out, sting, eczema,
        acne, moisturizing, moisturising, hydrated, hydrating, dry skin, sensitive skin, lip, pore, redness""",
    "cleaning": """clean?, cleaning, wash?, washing?, dishwasher, dishwasher safe, easy to clean, wipe, rinse?,
        descaling, descale""",
    "temperature": """temperature, heat, heating, heated, hot, warm, warmth, cold, cool?, overheat, overheating,
        heats up, insulated, insulation""",
    "capacity": """capacity, hold?, storage, room?, cup?, liter, litre, quart, gallon, ounce""",
    "safety": """safe, safety, unsafe, dangerous, hazard, toxic, non toxic, bpa, sharp edge, choking, cut myself,
        burned myself, burnt myself, injury, injured""",
    "controls": """button, control, remote, knob, switch?, setting, dial, touch controls, remote control car =,
        rc car =""",
}

ASPECTS: tuple[str, ...] = tuple(VOCABULARY)


def _table() -> tuple[dict[tuple[str, ...], tuple[str, bool]], dict[str, int]]:
    table: dict[tuple[str, ...], tuple[str, bool]] = {}
    for aspect, terms in VOCABULARY.items():
        for raw in terms.split(","):
            term = raw.strip()
            stop = term.endswith("=")
            weak = term.endswith("?")
            key = tuple(lemma(w) for w in words(term.rstrip("?=")))
            # A term listed twice is a slip that would make the result depend on the order of this dict.
            if key in table:
                raise ValueError(f"aspect term {term!r} is listed twice")
            table[key] = ("" if stop else aspect, weak)
    longest: dict[str, int] = {}
    for key in table:
        longest[key[0]] = max(longest.get(key[0], 0), len(key))
    return table, longest


# lemmas of a term -> (aspect or "" for a blocking phrase, weak); a first word -> its longest term's length
TERMS, _LONGEST = _table()


def match_aspects(lemmas: tuple[str, ...]) -> tuple[str, ...]:
    """The canonical aspects one sentence names (its lemmas in order), sorted: longest terms first, left to
    right, each word used once; weak terms only when no strong one matched."""
    strong: set[str] = set()
    weak: set[str] = set()
    i, n = 0, len(lemmas)
    while i < n:
        for size in range(min(_LONGEST.get(lemmas[i], 0), n - i), 0, -1):
            hit = TERMS.get(lemmas[i : i + size])
            if hit is not None:
                aspect, is_weak = hit
                if aspect:
                    (weak if is_weak else strong).add(aspect)
                i += size
                break
        else:
            i += 1
    return tuple(sorted(strong or weak))
