#!/usr/bin/env python3
"""Write spotify_tracks_standin.csv: a SYNTHETIC stand-in for Kaggle's "Spotify Tracks
Dataset" (maharshipandya, 114 genres x 1000 tracks), with exactly its columns, so that
examples/spotify_tracks.genre runs out of the box. No row comes from Spotify.

20 of the real 114 genre names, 150 tracks each. Genres come in families that share
one distribution of audio features (pop, indie-pop, j-pop, k-pop, mandopop are all
"pop"), each genre shifted a little from its family's centre: genres of one family are
hard to tell apart, families are easy, which is what the paper's genre reduction
(114 -> 66 labels) is about.

Standard library only (random.Random with a fixed seed), so the file is the same on
every machine: python3 data/spotify/gen_spotify.py
"""
import csv
import os
import random

SEED = 2002
PER_GENRE = 150

FEATURES = ["danceability", "energy", "loudness", "speechiness", "acousticness", "instrumentalness",
            "liveness", "valence", "tempo", "duration_ms", "popularity"]
# Spread of each feature around a genre's centre (loudness in dB, tempo in BPM, ms, 0-100).
SPREAD = {"danceability": 0.18, "energy": 0.2, "loudness": 4.5, "speechiness": 0.06, "acousticness": 0.22,
          "instrumentalness": 0.22, "liveness": 0.18, "valence": 0.27, "tempo": 33.0, "duration_ms": 80000.0,
          "popularity": 24.0}

# Family centres: the features above, then P(explicit), P(major mode), P(4/4).
FAMILIES = {
    "pop":       ([0.65, 0.66, -6.0, 0.07, 0.22, 0.02, 0.16, 0.55, 120, 215000, 48], 0.15, 0.62, 0.93),
    "metal":     ([0.40, 0.91, -4.8, 0.10, 0.02, 0.22, 0.22, 0.30, 128, 265000, 30], 0.12, 0.50, 0.85),
    "house":     ([0.75, 0.78, -7.5, 0.07, 0.06, 0.55, 0.14, 0.45, 124, 330000, 26], 0.03, 0.48, 0.97),
    "hip-hop":   ([0.76, 0.65, -6.3, 0.26, 0.16, 0.01, 0.19, 0.50, 102, 205000, 52], 0.70, 0.55, 0.95),
    "classical": ([0.30, 0.16, -21.0, 0.05, 0.92, 0.80, 0.13, 0.22, 98, 300000, 22], 0.00, 0.66, 0.70),
    "jazz":      ([0.55, 0.34, -12.5, 0.06, 0.70, 0.45, 0.16, 0.52, 112, 280000, 26], 0.01, 0.55, 0.80),
    "country":   ([0.58, 0.60, -7.2, 0.04, 0.30, 0.01, 0.18, 0.60, 122, 205000, 36], 0.03, 0.85, 0.90),
    "ambient":   ([0.25, 0.14, -23.5, 0.05, 0.82, 0.88, 0.11, 0.09, 92, 250000, 30], 0.00, 0.60, 0.75),
    "latin":     ([0.72, 0.72, -5.2, 0.09, 0.20, 0.01, 0.17, 0.70, 115, 210000, 50], 0.22, 0.55, 0.94),
    "comedy":    ([0.56, 0.62, -10.5, 0.82, 0.80, 0.00, 0.75, 0.50, 100, 180000, 20], 0.45, 0.60, 0.80),
}

GENRES = [  # (genre, family), in the order the real file lists its genres
    ("ambient", "ambient"), ("black-metal", "metal"), ("chicago-house", "house"), ("classical", "classical"),
    ("comedy", "comedy"), ("country", "country"), ("death-metal", "metal"), ("deep-house", "house"),
    ("heavy-metal", "metal"), ("hip-hop", "hip-hop"), ("house", "house"), ("indie-pop", "pop"), ("j-pop", "pop"),
    ("jazz", "jazz"), ("k-pop", "pop"), ("latin", "latin"), ("mandopop", "pop"), ("metal", "metal"),
    ("pop", "pop"), ("progressive-house", "house"),
]

WORDS = ["night", "light", "love", "heart", "fire", "dream", "city", "river", "summer", "rain", "blue", "gold",
         "road", "home", "star", "wild", "young", "time", "moon", "sky", "dance", "stone", "ghost", "echo"]
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def clip(v, lo, hi):
    return max(lo, min(hi, v))


def title(rng, n):
    return " ".join(rng.choice(WORDS).capitalize() for _ in range(n))


def main():
    rng = random.Random(SEED)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spotify_tracks_standin.csv")
    rows = []
    for genre, family in GENRES:
        centre, p_explicit, p_major, p_four = FAMILIES[family]
        # Each genre sits a little off its family's centre: 0.5 spreads in each feature at most.
        shift = [rng.uniform(-0.5, 0.5) * SPREAD[f] for f in FEATURES]
        artists = ["The " + title(rng, 1) + "s" if rng.random() < 0.3 else title(rng, 2) for _ in range(40)]
        for _ in range(PER_GENRE):
            v = {f: centre[i] + shift[i] + rng.gauss(0, SPREAD[f]) for i, f in enumerate(FEATURES)}
            for f in ["danceability", "energy", "speechiness", "acousticness", "instrumentalness", "liveness",
                      "valence"]:
                v[f] = clip(v[f], 0.0, 1.0)
            names = rng.sample(artists, 2 if rng.random() < 0.15 else 1)
            rows.append({
                "track_id": "".join(rng.choice(ALPHABET) for _ in range(22)),
                "artists": ";".join(names),
                "album_name": title(rng, rng.randint(1, 3)),
                "track_name": title(rng, rng.randint(1, 4)),
                "popularity": int(clip(round(v["popularity"]), 0, 100)),
                "duration_ms": int(clip(round(v["duration_ms"]), 30000, 900000)),
                "explicit": "True" if rng.random() < p_explicit else "False",
                "danceability": round(v["danceability"], 3),
                "energy": round(v["energy"], 3),
                "key": rng.randint(0, 11),
                "loudness": round(clip(v["loudness"], -40.0, 1.0), 3),
                "mode": 1 if rng.random() < p_major else 0,
                "speechiness": round(v["speechiness"], 4),
                "acousticness": round(v["acousticness"], 4),
                "instrumentalness": round(v["instrumentalness"], 6),
                "liveness": round(v["liveness"], 4),
                "valence": round(v["valence"], 3),
                "tempo": round(clip(v["tempo"], 40.0, 220.0), 3),
                "time_signature": 4 if rng.random() < p_four else rng.choice([3, 5, 1]),
                "track_genre": genre,
            })
    cols = ["track_id", "artists", "album_name", "track_name", "popularity", "duration_ms", "explicit",
            "danceability", "energy", "key", "loudness", "mode", "speechiness", "acousticness",
            "instrumentalness", "liveness", "valence", "tempo", "time_signature", "track_genre"]
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([""] + cols)  # the real file starts with pandas' unnamed index column
        for i, r in enumerate(rows):
            w.writerow([i] + [r[c] for c in cols])
    print(f"wrote {out}: {len(rows)} tracks, {len(GENRES)} genres")


if __name__ == "__main__":
    main()
