"""Words the sandbox's documents are written in: product names, ship-to places, feedback comments.

Why a module of its own: a real seller's documents carry text in the marketplace's language and
script, and that text is what encodings break. The Japanese marketplace gets Japanese product
names, prefectures and comments, including characters outside Windows-1252 and characters that
only Windows code page 932 has (``①``, ``～`` as U+FF5E), so a reader that decodes JIS-encoded files
as plain Shift_JIS or as Windows-1252 shows it in the values. Which language a marketplace's
texts use is read from the catalogue (``Marketplace.language``); ship-to places are per country.
"""

from __future__ import annotations

#: account -> (first words, second words, category) of its English product names.
PRODUCT_WORDS: dict[str, tuple[list[str], list[str], str]] = {
    "acme-home": (["Bamboo", "Ceramic", "Linen", "Copper", "Oak", "Cotton"],
                  ["Cutting Board", "Mug Set", "Throw Pillow", "Storage Basket", "Table Lamp", "Bath Towel"], "Home"),
    "brightline-outdoor": (["Trail", "Summit", "Alpine", "Ridge", "Canyon", "Drift"],
                           ["Headlamp", "Tent Stakes", "Water Filter", "Camp Stove", "Daypack", "Sleeping Mat"], "Sports"),
    "cobalt-gadgets": (["Nano", "Volt", "Pulse", "Flux", "Orbit", "Quartz"],
                       ["USB-C Charger", "Power Bank", "Phone Mount", "Earbuds", "Smart Plug", "Cable Kit"], "Electronics"),
    "hinoki-kitchen": (["Hinoki", "Stainless", "Cast Iron", "Arita Porcelain", "Bamboo", "Lacquered"],
                       ["Cutting Board", "Santoku Knife", "Teapot", "Grater", "Bento Box", "Cooking Chopsticks"], "Kitchen"),
}  # fmt: skip

#: account -> language -> (first words, second words), word for word the English lists above, for the
#: marketplaces whose catalogue language is that language.
LOCAL_PRODUCT_WORDS: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "hinoki-kitchen": {
        "ja": (["ヒノキ", "ステンレス", "南部鉄器", "有田焼", "竹製", "漆塗り"],
               ["まな板 ～Lサイズ～", "三徳包丁 刃渡り165mm", "急須 ①号", "おろし金", "弁当箱 二段", "菜箸 ５膳セット"]),
    },
}  # fmt: skip

#: account -> brand prefix of its product names, per language (English when absent).
BRANDS: dict[str, dict[str, str]] = {"hinoki-kitchen": {"en": "Hinoki Kobo", "ja": "ひのき工房"}}

#: country -> (city, state or prefecture, postal code) of ship-to addresses.
CITIES: dict[str, list[tuple[str, str, str]]] = {
    "US": [("Seattle", "WA", "98101"), ("Austin", "TX", "78701"), ("Denver", "CO", "80202"),
           ("Columbus", "OH", "43215"), ("Portland", "OR", "97201"), ("Miami", "FL", "33101")],
    "CA": [("Toronto", "ON", "M5V 2T6"), ("Vancouver", "BC", "V6B 1A1"), ("Calgary", "AB", "T2P 1J9")],
    "MX": [("Guadalajara", "JAL", "44100"), ("Monterrey", "NL", "64000"), ("Puebla", "PUE", "72000")],
    "GB": [("Leeds", "West Yorkshire", "LS1 4AP"), ("Bristol", "Bristol", "BS1 5TR"), ("York", "North Yorkshire", "YO1 7HH")],
    "DE": [("Hamburg", "HH", "20095"), ("Köln", "NW", "50667"), ("Leipzig", "SN", "04109")],
    "FR": [("Lyon", "Rhône", "69002"), ("Nantes", "Loire-Atlantique", "44000"), ("Lille", "Nord", "59000")],
    "NL": [("Amsterdam", "Noord-Holland", "1012 AB"), ("Utrecht", "Utrecht", "3511 AA"),
           ("'s-Hertogenbosch", "Noord-Brabant", "5211 AB")],
    "JP": [("渋谷区", "東京都", "150-0002"), ("大阪市北区", "大阪府", "530-0001"), ("札幌市中央区", "北海道", "060-0001"),
           ("京都市下京区", "京都府", "600-8216"), ("福岡市博多区", "福岡県", "812-0011")],
    "AU": [("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000"), ("Brisbane", "QLD", "4000")],
    # One or two places for every other country of the catalogue (worlds that sell everywhere).
    "BR": [("São Paulo", "SP", "01310-100"), ("Curitiba", "PR", "80010-000")],
    "IT": [("Milano", "MI", "20121"), ("Torino", "TO", "10121")],
    "ES": [("Madrid", "Madrid", "28013"), ("Sevilla", "Sevilla", "41001")],
    "SE": [("Göteborg", "Västra Götaland", "411 03"), ("Malmö", "Skåne", "211 20")],
    "PL": [("Kraków", "małopolskie", "31-001"), ("Łódź", "łódzkie", "90-001")],
    "BE": [("Liège", "Liège", "4000"), ("Gent", "Oost-Vlaanderen", "9000")],
    "IE": [("Cork", "Co. Cork", "T12 X70A"), ("Galway", "Co. Galway", "H91 E2K5")],
    "TR": [("İstanbul", "İstanbul", "34000"), ("İzmir", "İzmir", "35000")],
    "AE": [("Dubai", "Dubai", "00000"), ("Abu Dhabi", "Abu Dhabi", "00000")],
    "SA": [("الرياض", "منطقة الرياض", "11564"), ("جدة", "منطقة مكة المكرمة", "21577")],
    "EG": [("القاهرة", "القاهرة", "11511"), ("الإسكندرية", "الإسكندرية", "21500")],
    "IN": [("Bengaluru", "Karnataka", "560001"), ("Pune", "Maharashtra", "411001")],
    "ZA": [("Cape Town", "Western Cape", "8001"), ("Durban", "KwaZulu-Natal", "4001")],
    "SG": [("Singapore", "", "018989"), ("Singapore", "", "238859")],
}  # fmt: skip

#: language -> rating -> buyer comments of 1-3 star feedback.
NEGATIVE_COMMENTS: dict[str, dict[int, list[str]]] = {
    "en": {
        1: ["Item never arrived.", "Wrong item sent, no reply from seller.", "Product broke on first use."],
        2: ["Arrived late and damaged.", "Not as described.", "Missing parts."],
        3: ["Slow shipping.", "Packaging was poor.", "OK but took long to arrive."],
    },
    "ja": {
        1: ["商品が届きません。", "違う商品が届き、出品者から返信がありません。", "初回使用で壊れました。"],
        2: ["到着が遅れ、破損していました。", "説明と違う商品でした。", "部品が足りません。"],
        3: ["発送が遅かったです。", "梱包が不十分でした。", "届くまで時間がかかりました。"],
    },
}

#: language -> the seller's reply to negative feedback.
RESPONSES: dict[str, str] = {
    "en": "We are sorry, please contact us so we can help.",
    "ja": "ご迷惑をおかけして申し訳ございません。ご連絡をお待ちしております。",
}

#: Reasons buyers give when they ask to cancel an order before it ships, as the all-orders report's
#: ``buyer-requested-cancel-reason`` carries them.
BUYER_CANCEL_REASONS = (
    "Order Created by Mistake",
    "No Longer Needed",
    "Found Cheaper Price",
    "Delivery Date Too Long",
)


def texts_language(language: str) -> str:
    """The language the sandbox has words for (English unless it has the marketplace's own)."""
    return language if language in NEGATIVE_COMMENTS else "en"
