// A PNG decoder for Swift: libpng's errors (delivered by longjmp) become a return code and a message.
#ifndef CBACKPROP_PNG_H
#define CBACKPROP_PNG_H

#include <stddef.h>
#include <stdint.h>

/// A decoded PNG: every colour type expanded (palette to RGB, gray below 8 bits to 8, tRNS to an
/// alpha channel) and interlacing undone, so each pixel is `channels` samples of `bytesPerSample`
/// bytes (1, or 2 big-endian for 16-bit images).
typedef struct {
    uint32_t width;
    uint32_t height;
    /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    int channels;
    /// 1 or 2.
    int bytesPerSample;
    /// width * height * channels * bytesPerSample bytes, row after row (malloc'd; see backprop_png_free).
    unsigned char *pixels;
    /// Why decoding failed (NUL-terminated), when it did.
    char message[200];
} BackpropPNGImage;

/// Results of backprop_png_decode.
enum {
    BACKPROP_PNG_OK = 0,
    /// Not a PNG, corrupt, or truncated (libpng's message in `message`).
    BACKPROP_PNG_MALFORMED = 1,
    /// The header claims more than `max_pixels` pixels; nothing was allocated for them.
    BACKPROP_PNG_TOO_LARGE = 2,
    /// Out of memory.
    BACKPROP_PNG_NO_MEMORY = 3,
};

/// Decodes the PNG file in `data[0..<size]` into `image`. On success the caller frees it with
/// backprop_png_free; on failure nothing needs freeing.
int backprop_png_decode(const unsigned char *data, size_t size, uint64_t max_pixels, BackpropPNGImage *image);

/// Frees the pixels of an image backprop_png_decode returned.
void backprop_png_free(BackpropPNGImage *image);

/// Encodes `width` × `height` pixels of `channels` (1 gray or 3 RGB) 8-bit samples as a PNG. On success
/// `*out` (malloc'd; free with backprop_png_free_bytes) holds `*out_size` bytes.
int backprop_png_encode(const unsigned char *pixels, uint32_t width, uint32_t height, int channels,
                        unsigned char **out, size_t *out_size, char *message, size_t message_size);

/// Frees the bytes backprop_png_encode returned.
void backprop_png_free_bytes(unsigned char *bytes);

#endif
