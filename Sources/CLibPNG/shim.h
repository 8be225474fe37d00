// libpng, the reference PNG decoder (Debian: libpng-dev). Used through the C wrapper in
// Sources/CBackpropPNG, since libpng reports errors by longjmp, which Swift code cannot catch.
#include <png.h>
