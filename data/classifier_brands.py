"""The fictional brands of the classifier's training corpus: their accounts, products and what their customers write
about (faults, hazards, wishes), and which split each brand belongs to. None of them is the demo company.

Plain data, as everything under data/ is: a brand's "company" holds the fields of models.company.Company, and the
classifier's training builds the Company from them (models.classifier.train.brand_companies)."""

from __future__ import annotations

# split by brand: the test brands are never looked at while tuning; the bench reports on them
SPLITS = {
    "train": ("tarnside", "skylark", "plumtree", "brightwire", "nibble", "mossbloom", "voltaic", "loomhouse"),
    "dev": ("northgrid", "harbourlight"),
    "test": ("pedalo", "ledgerly", "greengage", "littleacorn"),
}


def brand(name: str, short: str, handle: str, industry: str, products: tuple[str, ...]) -> dict:
    lower = handle.lower()
    handles = {"twitter": (handle,), "facebook": (lower,), "instagram": (lower,), "mastodon": (lower,),
               "reddit": (lower,), "trustpilot": (name,), "tiktok": (lower,), "linkedin": (lower,)}
    return {"company": {"name": name, "brand_names": (short,), "product_names": products, "handles": handles},
            "industry": industry, "short": short, "handle": handle}


BRANDS = {
    "tarnside": brand("Tarnside Gear", "Tarnside", "TarnsideHelp", "outdoor", ("Skyline", "Hollowfell", "Brackwater")),
    "skylark": brand("Skylark Air", "Skylark", "SkylarkAir", "airline", ("SkyPlus", "Larkmiles")),
    "plumtree": brand("Plumtree Bank", "Plumtree", "PlumtreeBank", "bank", ("Plum Card", "Saver Pot")),
    "brightwire": brand("Brightwire Broadband", "Brightwire", "BrightwireCares", "telecom", ("Fibre 500", "WireHub")),
    "nibble": brand("Nibble Eats", "Nibble", "NibbleEats", "food_delivery", ("Nibble Pass", "Munchbox")),
    "mossbloom": brand("Mossbloom Skincare", "Mossbloom", "MossbloomSkin", "beauty", ("Dewdrop", "Velvet Night")),
    "voltaic": brand("Voltaic Home", "Voltaic", "VoltaicHome", "electronics", ("Voltaic Hub", "Glowbar")),
    "loomhouse": brand("Loomhouse Clothing", "Loomhouse", "LoomhouseUK", "fashion", ("Weaver", "Heritage Knit")),
    "northgrid": brand("Northgrid Energy", "Northgrid", "NorthgridHelp", "energy", ("Smartmeter", "Fixed Green")),
    "harbourlight": brand("Harbourlight Hotels", "Harbourlight", "HarbourlightHQ", "hotel", ("Harbour Club",)),
    "pedalo": brand("Pedalo Bikes", "Pedalo", "PedaloBikes", "ebike", ("Pedalo City", "Voyager E")),
    "ledgerly": brand("Ledgerly", "Ledgerly", "LedgerlyApp", "software", ("Ledgerly Pro", "Payroll+")),
    "greengage": brand("Greengage Grocers", "Greengage", "GreengageFood", "grocery", ("Greengage Fresh",)),
    "littleacorn": brand("Little Acorn Baby", "Little Acorn", "LittleAcornBaby", "baby", ("Snugpod", "Acorn Glide")),
}

# what customers of each industry write about: slot fillers for the corpus's phrasings
INDUSTRY = {
    "outdoor": {
        "item": ("tent", "jacket", "rucksack", "sleeping bag", "walking boots", "stove"), "order": ("order", "parcel"),
        "fault": ("the seams leak", "the zip snapped", "the pole cracked", "the sole came away",
        "it ripped on day one"),
        "hazard": ("the stove flared up and burnt my hand", "the gas canister leaked inside the tent",
                "the stove caught fire on the table"),
        "wish": ("a kids' version", "a repair service", "a rental scheme", "vegan walking boots", "longer sizes"),
        "good": ("kept me bone dry", "survived a week in the Highlands", "is so comfy", "packs down tiny"),
        "ask": ("is the {product} waterproof", "what size should I get", "does the tent come with a footprint",
             "do you ship to Ireland"), "event": ("leaving for the Alps", "starting the West Highland Way")},
    "airline": {
        "item": ("flight", "suitcase", "seat", "boarding pass", "booking"), "order": ("booking", "reservation"),
        "fault": ("my flight was cancelled with no email", "my bag never arrived", "the app lost my seat",
               "they moved my flight by nine hours"),
        "hazard": ("the cabin filled with smoke", "a trolley hit my son's head and nobody helped",
                "my wife's peanut allergy was ignored and she had a reaction on board"),
        "wish": ("more legroom seats to buy", "a proper vegan meal", "free seat selection for families",
              "wifi on short flights"),
        "good": ("the crew were lovely", "landed early", "the upgrade made my week", "boarding was so smooth"),
        "ask": ("how much is extra luggage", "can I bring a pram on board", "when does check-in open",
             "can I change the name on my booking"), "event": ("flying out Friday 6am", "connecting at 7am")},
    "bank": {
        "item": ("card", "account", "transfer", "statement", "app"), "order": ("account", "payment"),
        "fault": ("the app keeps logging me out", "my transfer is stuck", "my card was declined at the till",
               "the statement is wrong"),
        "hazard": ("the cash machine sparked and gave me a shock",),
        "wish": ("savings pots for kids", "dark mode in the app", "round-ups to charity", "Apple Watch payments"),
        "good": ("the app is so easy", "sorted my mortgage in a day", "support answered in minutes"),
        "ask": ("how do I order a new card", "what is the limit on transfers", "can I open a joint account",
             "do you charge abroad"), "event": ("rent is due tomorrow", "completion is on Friday")},
    "telecom": {
        "item": ("broadband", "router", "wifi", "phone line", "bill"), "order": ("account", "bill"),
        "fault": ("the internet drops every evening", "the router keeps rebooting",
        "speeds are a tenth of what I pay for",
               "the engineer never turned up"),
        "hazard": ("the router melted and the plug is scorched", "the power pack started smoking behind the TV"),
        "wish": ("a pause option for holidays", "a cheaper plan for pensioners", "a better app",
              "a mesh wifi bundle"),
        "good": ("the speed is unreal", "the engineer was brilliant", "it just works"),
        "ask": ("when will fibre reach my street", "how do I change my wifi password", "can I keep my number",
             "is there a contract"), "event": ("working from home tomorrow", "my exam is online Monday")},
    "food_delivery": {
        "item": ("order", "delivery", "meal", "pizza", "curry"), "order": ("order", "delivery"),
        "fault": ("the food arrived stone cold", "half my order was missing", "the rider left it at the wrong door",
               "they charged me for a cancelled order"),
        "hazard": ("the curry had nuts and my son is allergic, he needed his EpiPen",
                "there was a piece of glass in my salad", "we all got food poisoning after the chicken"),
        "wish": ("a group order option", "more vegan places", "a tip button after delivery", "scheduled orders"),
        "good": ("the rider was so kind", "arrived piping hot", "the app is spot on"),
        "ask": ("do you deliver to my postcode", "how do I add a note for the rider", "is the Nibble Pass worth it",
             "what time do you stop delivering"), "event": ("the party starts at 7", "guests arrive in an hour")},
    "beauty": {
        "item": ("moisturiser", "serum", "cleanser", "face oil", "sunscreen"), "order": ("order", "parcel"),
        "fault": ("the pump is broken", "the bottle arrived half empty", "the new formula smells off",
               "the lid cracked in the box"),
        "hazard": ("the serum burned my face and I have blisters", "I came up in a rash and my eye swelled shut"),
        "wish": ("refill pouches", "a fragrance free version", "travel sizes", "a shade for darker skin"),
        "good": ("my skin has never looked better", "cleared my breakouts", "smells divine"),
        "ask": ("is it safe in pregnancy", "is the serum vegan", "can I use it with retinol", "is it cruelty free"),
        "event": ("my wedding is Saturday", "the shoot is tomorrow")},
    "electronics": {
        "item": ("smart plug", "hub", "doorbell", "camera", "speaker"), "order": ("order", "device"),
        "fault": ("the hub won't connect", "the app crashes on setup", "the doorbell stopped recording",
               "the firmware update bricked it"),
        "hazard": ("the smart plug melted and scorched the wall", "the charger caught fire overnight",
                "the battery swelled up and is hot to touch"),
        "wish": ("Matter support", "a local-only mode", "a cheaper indoor camera", "a dark mode"),
        "good": ("setup took two minutes", "works flawlessly", "the app is really slick"),
        "ask": ("does the hub work with Alexa", "can I use it without wifi", "is there a monthly fee",
             "how long is the warranty"), "event": ("we go on holiday tomorrow", "the tenants move in Monday")},
    "fashion": {
        "item": ("dress", "jumper", "coat", "jeans", "shirt"), "order": ("order", "parcel"),
        "fault": ("the seam split first wear", "the colour ran in the wash", "it shrank two sizes",
               "the sizing is way off"),
        "hazard": ("the toggle came off my toddler's coat and she nearly choked on it",),
        "wish": ("petite sizes", "a repair service", "more plus sizes", "a resale scheme"),
        "good": ("fits like a dream", "the quality is superb", "I get compliments every time"),
        "ask": ("does the coat run small", "when is the jumper back in stock", "do you do gift wrap",
             "how long do returns take"), "event": ("the wedding is Saturday", "my interview is Monday")},
    "energy": {
        "item": ("bill", "smart meter", "direct debit", "tariff", "heating"), "order": ("account", "bill"),
        "fault": ("my bill doubled overnight", "the smart meter shows nothing", "you took two direct debits",
               "the meter reading is wrong"),
        "hazard": ("I can smell gas near the meter", "the meter box is sparking"),
        "wish": ("a tariff for electric cars", "weekly usage emails", "a solar export deal", "paperless bills"),
        "good": ("switching was painless", "the engineer was lovely", "my bill went down"),
        "ask": ("how do I submit a reading", "when will my meter be fitted", "can I change my direct debit date",
             "is the fixed tariff worth it"), "event": ("the cold snap starts tonight", "the baby comes home Friday")},
    "hotel": {
        "item": ("room", "stay", "booking", "breakfast", "spa"), "order": ("booking", "reservation"),
        "fault": ("the room was filthy", "the shower was cold all weekend", "they gave our room away",
               "the noise kept us up all night"),
        "hazard": ("my daughter slipped on the broken tiles and needed stitches", "the fire alarm never went off",
                "bed bugs bit us all night"),
        "wish": ("late checkout for members", "dog friendly rooms", "a kids' club", "EV chargers"),
        "good": ("the staff were wonderful", "the view was stunning", "breakfast was incredible"),
        "ask": ("is parking included", "what time is check-in", "do you have family rooms", "can we bring our dog"),
        "event": ("arriving tonight", "the wedding party checks in Friday")},
    "ebike": {
        "item": ("e-bike", "battery", "charger", "bike", "motor"), "order": ("order", "service"),
        "fault": ("the motor cuts out on hills", "the display went blank", "the chain keeps slipping",
               "the range is half what you claim"),
        "hazard": ("the battery caught fire in the hallway", "the brakes failed on a hill and I came off",
                "the charger started smoking and burnt the carpet"),
        "wish": ("a child seat mount", "a trade-in scheme", "a cheaper spare battery", "a step-through frame"),
        "good": ("the motor is so smooth", "my commute is a joy", "the range is brilliant"),
        "ask": ("how far does the battery go", "can I take it on the train", "is there a cycle to work scheme",
             "what size frame for 5'6"), "event": ("I start the new job Monday", "the tour starts Saturday")},
    "software": {
        "item": ("invoice", "login", "payroll run", "export", "dashboard"), "order": ("account", "subscription"),
        "fault": ("the invoices won't send", "the bank feed stopped syncing", "the export is full of errors",
               "the update wiped my settings"),
        "hazard": ("someone changed the bank details on our payroll and wages went to a stranger",),
        "wish": ("a dark mode", "multi-currency invoices", "a Xero import", "bulk editing"),
        "good": ("saves me hours every month", "the support chat is brilliant", "invoicing is so easy now"),
        "ask": ("how do I add a user", "can I export to CSV", "is there an API", "how do I change my plan"),
        "event": ("payroll runs tomorrow", "the tax deadline is Friday")},
    "grocery": {
        "item": ("shopping", "delivery", "veg box", "order", "substitution"), "order": ("order", "delivery slot"),
        "fault": ("half the items were substituted", "the eggs arrived smashed", "the milk was out of date",
               "the slot was cancelled last minute"),
        "hazard": ("the chicken was out of date and my kids are sick", "found a shard of metal in the bread",
                "the 'nut free' cake had nuts and my daughter reacted"),
        "wish": ("plastic free veg", "a bigger organic range", "later delivery slots", "a click and collect point"),
        "good": ("the veg is so fresh", "the driver carried it all up", "never a missing item"),
        "ask": ("do you deliver on Sundays", "can I change my slot", "is there a minimum order",
             "do you stock gluten free bread"), "event": ("Christmas dinner is tomorrow", "the party is tonight")},
    "baby": {
        "item": ("pram", "car seat", "cot", "bottle", "baby monitor"), "order": ("order", "parcel"),
        "fault": ("the pram wheel fell off", "the monitor keeps losing signal", "the cot is missing screws",
               "the bottle leaks everywhere"),
        "hazard": ("the car seat buckle came undone while driving", "the cot side collapsed with my baby in it",
                "the bottle warmer overheated and scalded my son"),
        "wish": ("a lighter travel pram", "a twin version", "a rental scheme", "organic cotton sheets"),
        "good": ("my baby sleeps so well in it", "the pram folds in one hand", "the best purchase we made"),
        "ask": ("is the car seat ISOFIX", "from what age can she use it", "can I buy spare parts",
             "is it suitable from birth"), "event": ("the baby is due next week", "we leave hospital tomorrow")},
}
