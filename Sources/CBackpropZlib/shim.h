// zlib, for reading gzip-compressed IDX files (Debian: zlib1g-dev; part of the macOS SDK).
#include <zlib.h>
