#!/usr/bin/env python3
"""Write artists-data.csv and lyrics-data.csv: a SYNTHETIC, lyrics-like corpus with the column
layout of Kaggle's "Song lyrics from 6 musical genres" (vagalume.com.br), so that
examples/lyrics_attention.genre runs out of the box. No line of it is a real lyric: every
word is drawn at random, so the text has no author and no copyright.

How the words are drawn. The vocabulary is the GloVe subset shipped in ../glove (5,050 words,
PDDL). Each genre gets topic words: the 40 words closest (cosine) to a few seed words in the
GloVe space, so the embeddings carry the signal a model can find. A song is lines of words;
each word comes from its genre's topic words with probability P_OWN, from a related genre's
with P_SIBLING (Hip Hop and Rap, Rock and Indie, ... share words), and otherwise from the
200 most frequent GloVe words by a Zipf law (stopwords included, so clean() matters). Lines
start with a capital, carry punctuation and contractions, a chorus line repeats, some songs
have interjections GloVe lacks ("yeah", "ooh") and a few have a link. A bag-of-words model
finds the genre often but not always.

What the filters of S3 meet: artists whose first genre is outside the 10 most frequent
(top_labels drops them), songs in Portuguese and Spanish (language != "en"), one English
song with empty lyrics (clean drops it), one lyric whose language is missing, and one artist
with no songs (the join drops it).

Standard library only (random.Random with a fixed seed): python3 data/lyrics/gen_lyrics.py
"""
import csv
import math
import os
import random

SEED = 2023
P_OWN = 0.11
P_SIBLING = 0.05
TOPIC_WORDS = 40
HERE = os.path.dirname(os.path.abspath(__file__))
GLOVE = os.path.join(HERE, "..", "glove", "glove.6B.50d.subset5050.txt")

# genre: (seed words, related genre, artists, songs per artist). The first ten are the
# corpus's ten most frequent English genres; Jazz and Reggae are fewer.
GENRES = {
    "Rock": (["guitar", "highway", "wild", "rebel", "road"], "Indie", 9, 24),
    "Pop": (["love", "baby", "dance", "girl", "tonight"], "R&B", 9, 23),
    "Hip Hop": (["money", "street", "cash", "gang", "rich"], "Rap", 9, 22),
    "Indie": (["summer", "ocean", "window", "quiet", "paper"], "Rock", 8, 22),
    "Heavy Metal": (["fire", "death", "blood", "war", "steel"], "Rock", 8, 22),
    "Country": (["truck", "farm", "beer", "river", "town"], "Blues", 8, 21),
    "R&B": (["body", "touch", "desire", "slow", "lady"], "Pop", 8, 21),
    "Rap": (["police", "gun", "block", "crime", "boys"], "Hip Hop", 7, 22),
    "Gospel/Religioso": (["lord", "god", "faith", "jesus", "church"], "Country", 7, 22),
    "Blues": (["train", "sad", "trouble", "woman", "alone"], "Country", 7, 21),
    "Jazz": (["moon", "swing", "piano", "evening", "coffee"], "Blues", 3, 12),
    "Reggae": (["island", "sun", "peace", "freedom", "people"], "Pop", 2, 12),
}
NON_ENGLISH = {  # Brazilian genres, sung in Portuguese (and a little Spanish)
    "Sertanejo": 3, "Samba": 2, "Funk Carioca": 2,
}
PT_WORDS = ("amor saudade coração você meu minha vida noite sonho beijo tempo mundo vou quero sempre "
            "nunca mais lua mar céu dia sol alegria tristeza paixão menina cidade caminho festa").split()
ES_WORDS = ("amor corazón vida noche sueño beso tiempo mundo quiero siempre nunca luna mar cielo día "
            "sol alegría tristeza pasión niña ciudad camino fiesta").split()
INTERJECTIONS = ["yeah", "ooh", "whoa", "na", "hey"]
NAME_PARTS = ("silver echo velvet north wolf paper crystal golden iron midnight static lucky broken "
              "electric scarlet hollow neon rusty thunder marble").split()
STOP = {"the", "a", "an", "of", "and", "to", "in", "is", "it", "that", "for", "on", "with", "as", "at", "by",
        "from", "be", "was", "are", "or", "this", "but", "not", "have", "has", "had", "he", "she", "his", "her",
        "they", "their", "we", "you", "i", "its", "which", "will", "would", "there", "been", "were", "who",
        "also", "after", "more", "one", "two", "new", "first", "year", "years", "said"}


def read_glove():
    words, vecs = [], []
    with open(GLOVE, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split(" ")
            words.append(p[0])
            v = [float(x) for x in p[1:]]
            n = math.sqrt(sum(x * x for x in v)) or 1.0
            vecs.append([x / n for x in v])
    return words, vecs


def topic_words(words, vecs, seeds, taken):
    index = {w: i for i, w in enumerate(words)}
    centre = [0.0] * len(vecs[0])
    for s in seeds:
        for k, x in enumerate(vecs[index[s]]):
            centre[k] += x
    scored = []
    for i, w in enumerate(words):
        if not w.isalpha() or not w.isascii() or w in STOP or len(w) < 3 or i < 150:
            continue
        scored.append((-sum(a * b for a, b in zip(centre, vecs[i])), w))
    scored.sort()
    out = [s for s in seeds]
    for _, w in scored:
        if len(out) >= TOPIC_WORDS:
            break
        if w not in out and w not in taken:
            out.append(w)
    return out


def zipf_weights(n, s=1.0):
    return [1.0 / (r + 1) ** s for r in range(n)]


def slug(name):
    return "/" + "-".join(name.lower().replace("&", "and").split()) + "/"


class Writer:
    def __init__(self, rng, words, topics):
        self.rng = rng
        self.background = [w for w in words[:400] if w.isalpha() and w.isascii()][:200]
        self.bg_weights = zipf_weights(len(self.background))
        self.topics = topics
        self.topic_weights = zipf_weights(TOPIC_WORDS, 0.7)

    def word(self, genre):
        r = self.rng.random()
        if r < P_OWN:
            return self.rng.choices(self.topics[genre], self.topic_weights)[0]
        if r < P_OWN + P_SIBLING:
            return self.rng.choices(self.topics[GENRES[genre][1]], self.topic_weights)[0]
        return self.rng.choices(self.background, self.bg_weights)[0]

    def line(self, pick, extra=()):
        rng = self.rng
        ws = [pick() for _ in range(rng.randint(4, 9))]
        if rng.random() < 0.25:
            ws[rng.randrange(len(ws))] = rng.choice(["don't", "i'm", "you're", "can't", "it's", "we'll"])
        ws.extend(extra)
        text = " ".join(ws)
        text = text[0].upper() + text[1:]
        return text + rng.choice(["", "", "", ",", "!", "?", "..."])

    def song(self, genre):
        rng = self.rng
        pick = lambda: self.word(genre)
        shout = [rng.choice(INTERJECTIONS)] * rng.randint(1, 2) if rng.random() < 0.4 else []
        chorus = self.line(pick, shout)
        lines = []
        for v in range(rng.randint(2, 3)):
            lines += [self.line(pick) for _ in range(rng.randint(3, 5))]
            lines += [chorus, chorus]
        if rng.random() < 0.03:
            lines.append("Lyrics from www.example.org/lyrics?id=" + str(rng.randint(100, 999)))
        return "\n".join(lines)

    def foreign(self, vocab):
        rng = self.rng
        pick = lambda: rng.choice(vocab)
        return "\n".join(" ".join(pick() for _ in range(rng.randint(4, 8))).capitalize()
                         for _ in range(rng.randint(8, 14)))


def main():
    rng = random.Random(SEED)
    words, vecs = read_glove()
    topics, taken = {}, set()
    for g, (seeds, *_rest) in GENRES.items():
        topics[g] = topic_words(words, vecs, seeds, taken)
        taken.update(topics[g][len(seeds):])  # a neighbour belongs to one genre; seeds may repeat
    w = Writer(rng, words, topics)

    artists, lyrics = [], []
    used_names = set()

    def artist_name():
        while True:
            n = " ".join(p.capitalize() for p in rng.sample(NAME_PARTS, 2))
            if rng.random() < 0.3:
                n = "The " + n + "s"
            if n not in used_names:
                used_names.add(n)
                return n

    others = list(GENRES)
    for g, (_seeds, sibling, n_artists, per_artist) in list(GENRES.items()) + [
            (g, (None, None, n, 14)) for g, n in NON_ENGLISH.items()]:
        for _ in range(n_artists):
            name = artist_name()
            link = slug(name)
            # Genres: the main one first, then a few more, "; "-separated as on vagalume.
            extra = [x for x in rng.sample(others, 2) if x != g][: rng.randint(0, 2)]
            if sibling and rng.random() < 0.5 and sibling not in extra:
                extra.insert(0, sibling)
            n_songs = max(3, per_artist + rng.randint(-4, 4))
            songs = []
            for k in range(n_songs):
                title = " ".join(rng.choice(NAME_PARTS).capitalize() for _ in range(rng.randint(1, 3))) + f" {k + 1}"
                if g in NON_ENGLISH:
                    lang = "es" if rng.random() < 0.2 else "pt"
                    text = w.foreign(ES_WORDS if lang == "es" else PT_WORDS)
                elif rng.random() < 0.02:
                    lang, text = "pt", w.foreign(PT_WORDS)  # an English act's song in Portuguese
                else:
                    lang, text = "en", w.song(g)
                songs.append([link, title, link + "-".join(title.lower().split()) + ".html", text, lang])
            lyrics += songs
            artists.append([name, "; ".join([g] + extra), len(songs), round(rng.uniform(0.0, 25.0), 1), link])

    # The rows the filters exist for.
    lyrics[5][3] = ""                   # empty lyrics (clean's on_empty drops it)
    lyrics[17][4] = ""                  # language not given
    artists.append(["Silent Partners", "Rock; Indie", 0, 0.0, "/silent-partners/"])  # no songs

    with open(os.path.join(HERE, "artists-data.csv"), "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["Artist", "Genres", "Songs", "Popularity", "Link"])
        out.writerows(artists)
    with open(os.path.join(HERE, "lyrics-data.csv"), "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["ALink", "SName", "SLink", "Lyric", "language"])
        out.writerows(lyrics)
    en = sum(1 for r in lyrics if r[4] == "en")
    print(f"wrote {len(artists)} artists, {len(lyrics)} songs ({en} in English)")
    with open(os.path.join(HERE, "topic_words.txt"), "w", encoding="utf-8") as f:
        f.write("# genre: the topic words gen_lyrics.py drew from (seeds first)\n")
        for g, t in topics.items():
            f.write(f"{g}: {' '.join(t)}\n")


if __name__ == "__main__":
    main()
