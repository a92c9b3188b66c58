// The inverse of the standard normal CDF (scipy.stats.norm.ppf).
#pragma once

namespace genre {

// Wichura's algorithm AS241 (PPND16), about 1e-16 relative accuracy.
// p = 0 gives -inf, p = 1 gives +inf, p outside [0, 1] or NaN gives NaN.
double norm_ppf(double p);

}  // namespace genre
