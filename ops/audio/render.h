// MIDI -> audio with libfluidsynth, offline and deterministic: the same file
// and settings give the same samples on every run (no reverb or chorus, one
// synthesis thread, the player clocked by the samples it renders).
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace genre::audio {

// Every number comes from the script (render's parameters).
struct Synth {
  std::string soundfont;        // a .sf2 file
  int rate = 22050;             // samples per second (fluidsynth takes 8000..96000)
  double gain = 0.2;            // fluidsynth's master gain (its own default)
  std::optional<double> clip;   // seconds kept; a shorter file is followed by silence
};

struct Rendered {
  std::vector<float> samples;   // mono: the mean of fluidsynth's left and right
  double midi_seconds = 0;      // the file's length (its last event)
  bool padded = false;          // the file ended before `clip` seconds
};

// Renders a MIDI file. `shown` names it in errors. The file is first read by
// our SMF reader, so a damaged file is a DataError with its byte offset; a
// soundfont that is missing or not a soundfont is a DataError too.
Rendered render_midi(const std::string& path, const std::string& shown, const Synth& how);

// Writes mono samples as a 16-bit PCM WAV (clipped to [-1, 1]).
void write_wav(const std::string& path, const std::vector<float>& samples, int rate);

}  // namespace genre::audio
