// OpenBLAS's CBLAS header (Debian: libopenblas-dev; pkg-config "openblas" supplies the include path).
#include <cblas.h>
