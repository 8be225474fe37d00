// libjpeg-turbo, the JPEG codec (Debian: libjpeg-dev). Used through the C wrapper in
// Sources/CBackpropJPEG, since libjpeg reports errors by longjmp, which Swift code cannot catch.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
