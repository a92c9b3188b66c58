# Writes lyrics_sample.csv: a few made-up "lyrics" (written for these tests, no real
# song text) in the column layout of the Kaggle lyrics-data.csv (ALink, SName, SLink,
# Lyric, language), keyed to real artist links of artists-data.csv so that the join
# of study S3 can be tried on the real artists file. Run: python3 gen_lyrics_sample.py
import csv

songs = [
    ("/10000-maniacs/", "Paper River", "en", "The river runs through paper towns, and I don't know where it goes.\nWe sing along, the radio is loud."),
    ("/10000-maniacs/", "Lantern", "en", "Hold the lantern high, the night is long; hold it high until the morning song."),
    ("/12-stones/", "Iron Rain", "en", "Iron rain is falling down — I stand alone, the guitar screams (loud!)"),
    ("/12-stones/", "Broken Wheel", "en", "Broken wheel, broken road, I carry stones, I carry the load."),
    ("/4-non-blondes/", "Morning Street", "en", "Twenty-five years and the street is awake; I scream from the top of the hill."),
    ("/adam-lambert/", "Glitter Heart", "en", "My glitter heart is dancing tonight, baby, baby, dance in the light."),
    ("/adam-lambert/", "Neon", "en", "Neon love on the dance floor, baby, I want more and more."),
    ("/crowded-house/", "Weather Inside", "en", "Everywhere you go you bring the weather inside, love is a summer sky."),
    ("/crowded-house/", "Quiet Kitchen", "en", "A quiet kitchen, the kettle sings; love is made of little things."),
    ("/beastie-boys/", "Brooklyn Beat", "en", "Check the mic, one two, the beat drops — hip hop don't stop, 24/7 on the block."),
    ("/beastie-boys/", "Boombox", "en", "Boombox on the shoulder, rhymes in the street, the crowd jumps to the beat. www.example.com/boombox"),
    ("/18-k/", "Cipher", "en", "In the cipher every rhyme is a story, the block, the money, the glory."),
    ("/alanis-morissette/", "Ironic Weather", "en", "It\u2019s like rain on the wedding day, isn\u2019t it? A little too late."),
    ("/dustin/", "Rap Lesson", "en", "Rap lesson number one: flow with the drum, the mic is the gun... see http://example.org/rap"),
    ("/dustin/", "Only Words", "en", "I'm... on & on \u2014 it's all! https://x.co"),
    ("/crazy-horse-11/", "Prairie", "en", "Prairie wind and a dusty road, the old horse knows the way home."),
    ("/paula-fernandes/", "Estrada", "pt", "A estrada \u00e9 longa, cora\u00e7\u00e3o sertanejo, saudade do meu lugar."),
    ("/paula-fernandes/", "Country Road", "en", "Country road and a wooden gate, my heart will wait, my heart will wait."),
    ("/mc-god/", "Baile", "pt", "O baile t\u00e1 lotado, a favela canta junto, \u00e9 funk at\u00e9 de manh\u00e3."),
    ("/mc-god/", "Party Night", "en", "Party night, the bass is shaking, the city is awake and dancing."),
    ("/not-in-artists/", "Lost Song", "en", "This song has no artist in the artists file, the join drops it."),
]

with open("lyrics_sample.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["ALink", "SName", "SLink", "Lyric", "language"])
    for link, name, lang, lyric in songs:
        slug = name.lower().replace(" ", "-")
        w.writerow([link, name, link + slug + ".html", lyric, lang])
