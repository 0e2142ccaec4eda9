"""Invented names and short free text for the seed generator.

People are built by combining common given names with common family names, and schools by
combining invented place names with a school type, so no row describes a real, identifiable
person or school. Lists are tuples so their order (and therefore the output) never changes.
"""

# Given names for people born from the late 1990s on (pupils, ex-pupils, young adults).
YOUNG_FEMALE = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Sophia", "Grace",
    "Freya", "Florence", "Willow", "Emily", "Ella", "Poppy", "Evie", "Sienna", "Isabelle",
    "Daisy", "Phoebe", "Ruby", "Millie", "Chloe", "Jessica", "Holly", "Erin", "Maisie",
    "Harper", "Aisha", "Maryam", "Fatima", "Zara", "Hannah", "Amira", "Nadia", "Priya",
    "Ananya", "Zofia", "Lena", "Chiara", "Esme", "Matilda", "Rosie", "Layla", "Imogen",
    "Nancy", "Aria", "Eliza", "Orla", "Niamh", "Zoë", "Alice", "Charlotte", "Scarlett",
    "Lucy", "Megan", "Abigail", "Amber", "Leah", "Tia", "Keira", "Summer", "Hafsa", "Inaya",
    "Simran", "Oluwatoyin", "Adaeze", "Precious", "Maja", "Oliwia", "Elif", "Yasmin", "Eden",
)
YOUNG_MALE = (
    "Oliver", "George", "Noah", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie",
    "Henry", "Theodore", "Freddie", "Jack", "Charlie", "Thomas", "Jacob", "Alfie", "Finley",
    "Isaac", "Joshua", "Jaxon", "Logan", "Ethan", "Mason", "Lucas", "James", "William",
    "Samuel", "Joseph", "Max", "Reuben", "Tommy", "Adam", "Yusuf", "Ibrahim", "Ayaan",
    "Arjun", "Rohan", "Kacper", "Jakub", "Mateo", "Luca", "Kwame", "Tobi", "Dylan", "Callum",
    "Rhys", "Kai", "Elijah", "Zain", "Ciarán", "Harrison", "Riley", "Toby", "Ben", "Louis",
    "Daniel", "Kieran", "Connor", "Aaron", "Hamza", "Bilal", "Dev", "Emeka", "Chidi", "Filip",
    "Szymon", "Emir", "Rory", "Ollie", "Sonny", "Ezra",
)
# Given names for people born before the late 1990s (staff, parents, governors...).
ADULT_FEMALE = (
    "Sarah", "Emma", "Claire", "Rachel", "Laura", "Nicola", "Helen", "Karen", "Joanne",
    "Lisa", "Rebecca", "Kelly", "Hannah", "Gemma", "Louise", "Amy", "Victoria", "Jennifer",
    "Samantha", "Michelle", "Amanda", "Julie", "Deborah", "Donna", "Natalie", "Katie",
    "Charlotte", "Lucy", "Sophie", "Stacey", "Leanne", "Jade", "Nasreen", "Shabana", "Farah",
    "Sunita", "Anjali", "Agnieszka", "Joanna", "Chidinma", "Funmilayo", "Bernadette",
    "Siobhán", "Aoife", "Catherine", "Elizabeth", "Jane", "Alison", "Susan", "Angela",
    "Caroline", "Fiona", "Kirsty", "Zoe", "Ruth", "Anna", "Kate", "Jo", "Beverley", "Tracey",
    "Yvonne", "Marcia", "Precious", "Parveen", "Rukhsana", "Magdalena", "Renée", "Lindsey",
)
ADULT_MALE = (
    "David", "Paul", "Mark", "Andrew", "Richard", "Michael", "Stephen", "Christopher",
    "James", "Daniel", "Matthew", "Robert", "John", "Ian", "Simon", "Gareth", "Lee", "Craig",
    "Darren", "Wayne", "Jason", "Neil", "Stuart", "Martin", "Kevin", "Gary", "Adam", "Ben",
    "Tom", "Luke", "Imran", "Tariq", "Asif", "Sanjay", "Rajesh", "Piotr", "Tomasz",
    "Chukwuemeka", "Oluwaseun", "Kofi", "Sean", "Declan", "Ruairí", "Peter", "Anthony",
    "Jonathan", "Nicholas", "Philip", "Graham", "Alan", "Keith", "Scott", "Ryan", "Carl",
    "Dean", "Nathan", "Marcus", "Delroy", "Kamran", "Shahid", "Vikram", "Marek", "José",
    "Aidan", "Owen", "Gavin",
)
FAMILY = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
    "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards",
    "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum",
    "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali",
    "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes",
    "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins",
    "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed", "Fletcher", "Walsh", "Kaur",
    "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds", "Saunders", "Payne",
    "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence", "Cole", "Atkinson",
    "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien", "Watts", "Rose",
    "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Rees", "Hayes",
    "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter", "Gregory", "Carr", "Lowe",
    "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons", "Berry", "Stone", "Reid",
    "Holland", "Hawkins", "Harding", "Porter", "Robertson", "Newton", "Reed", "Kennedy",
    "Williamson", "Bird", "Gardner", "Shah", "Dean", "Lane", "Cooke", "Bates", "Henderson",
    "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson", "Shepherd", "Ross",
    "Cross", "Long", "Freeman", "Warren", "Nicholls", "Hamilton", "Byrne", "Sutton",
    "McDonald", "Yates", "Hodgson", "Robson", "Curtis", "Hopkins", "O'Connor", "Harper",
    "Coleman", "Watkins", "Moss", "McCarthy", "Chambers", "O'Neill", "Griffin", "Sharp",
    "Hardy", "Wheeler", "Potter", "Osborne", "Johnston", "Gordon", "Doyle", "Wallace",
    "Jordan", "Hutchinson", "Rahman", "Miah", "Chowdhury", "Nowak", "Kowalczyk", "Wiśniewska",
    "Okafor", "Adeyemi", "Mensah", "Osei", "Nguyen", "Chen", "Wong", "Sharma", "Mistry",
    "Desai", "Akhtar", "Iqbal", "Bibi", "Mahmood", "Okonkwo", "Boateng", "Campbell-Reid",
    "Fernandes", "Da Silva", "Kaya", "Yilmaz", "Papadopoulos", "Novak", "Horvat", "Mäkinen",
)

# Invented place names for schools: PLACE_HEAD + PLACE_TAIL, optionally followed by a
# PLACE_AREA ("Harrow" + "" + " Vale", "Oak" + "bridge").
PLACE_HEAD = (
    "Oak", "Ash", "Elm", "Birch", "Harrow", "Alder", "Brock", "Brook", "Fern", "Hazel",
    "Willow", "Thorn", "Stone", "Bramble", "Heather", "Marsh", "Holly", "Rowan", "Cedar",
    "Maple", "Lark", "Wren", "Swan", "Heron", "Kestrel", "Otter", "Linden", "Beacon",
    "Chalk", "Clay", "Flint", "Gorse", "Hawk", "Ivy", "Juniper", "Kings", "Lynd", "Merrow",
    "North", "Orchard", "Pen", "Quarry", "Redd", "Sedge", "Tarn", "Upper", "Whit", "Yew",
    "Black", "Castle", "Dun", "East", "Fair", "Glen", "High", "Lang", "Long", "Sand", "West",
)
PLACE_TAIL = (
    "bridge", "field", "wood", "brook", "ford", "ley", "hurst", "combe", "dale", "ham",
    "ton", "by", "well", "mead", "gate", "stead", "worth", "croft", "holme", "lea", "moor",
    "wick", "thorpe", "den", "cote", "bury", "hill", "more",
)
PLACE_AREA = (
    "", "", "", "", "", " Vale", " Park", " Green", " Heath", " Common", " Valley", " Rise",
    " Lane", " Cross", " Fields", " End",
)
PRIMARY_KINDS = (
    "{} Primary School", "{} Primary School", "{} Primary Academy",
    "{} Church of England Primary School", "{} Community Primary School",
    "{} Infant and Junior School",
)
SECONDARY_KINDS = (
    "{} Academy", "{} High School", "{} School", "{} Community College",
    "{} Academy", "{} Secondary School",
)
# Words that would make a name read like one of the schools whose policies ship with the
# product; an invented school must never be mistaken for them.
RESERVED_WORDS = ("Millfield", "Ninestiles", "Aspire", "Great Chart", "Mowbray")

# Short free text, written the way staff actually fill in a declaration form.
DETAILS = {
    "own_child": (
        "My son attends the school.", "My daughter is in the school.",
        "My child is on roll here; we are connected as family.",
        "Parent of the pupil. Family account only.",
        "This is my own child; we message about pick-ups.",
    ),
    "niece": (
        "The pupil is my niece; her mother is my sister.",
        "My nephew; I am his mum's brother.",
        "Pupil's mother is my sister.", "Family: the pupil's parent is my sibling.",
    ),
    "family_friend": (
        "Our families have been friends for years; we holiday together.",
        "Neighbours; our children grew up together.",
        "I am godparent to the pupil.",
        "Family friends through church.",
        "Friends with the parents through the local football club.",
    ),
    "prior_friendship": (
        "We were at university together before I joined the school.",
        "Friends since we were at school ourselves; her child joined Reception this year.",
        "Former colleague at a previous school.",
        "We sing in the same choir and have done for years.",
        "Friends from antenatal classes, long before I worked here.",
    ),
    "rejected_other": (
        "I tutored the pupil privately before I joined the staff.",
        "I coach the pupil's Sunday league team.",
        "We play the same online game; I did not know they were a pupil.",
        "I know the pupil from my part-time job at the leisure centre.",
    ),
    "sibling_link": (
        "The pupil's mother is my sister.",
        "The pupil's father is my brother.",
    ),
}

# (channel, what the adult wrote) for an approach from a pupil, then from an ex-pupil.
APPROACHES = (
    ("instagram", "Friend request on Instagram; declined and blocked, screenshot kept."),
    ("instagram", "Tagged me in a story and asked me to follow back; no reply, screenshot kept."),
    ("tiktok", "Follow request on TikTok; not accepted, reported next morning."),
    ("snapchat", "Snapchat add request; declined and reported the same day."),
    ("snapchat", "Sent a Snapchat message asking for my number; not opened, reported."),
    ("xbox_live", "Request to join my gaming party on Xbox Live; declined and blocked."),
    ("personal_email",
     "E-mailed my personal address about homework; replied only from school e-mail."),
    ("whatsapp", "WhatsApp message from an unknown number, signed by the pupil; not answered."),
)
EX_PUPIL_APPROACHES = (
    ("facebook", "Friend request from a former pupil; declined, request retained."),
    ("instagram", "Message from a former pupil asking to meet up; declined, message retained."),
    ("snapchat", "Former pupil added me on Snapchat; declined and blocked."),
)

ACCOUNT_SUFFIXES = ("", "", "PE", "Music", "Library", "SixthForm", "News", "Arts")
