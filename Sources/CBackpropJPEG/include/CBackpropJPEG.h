// A JPEG decoder and encoder for Swift: libjpeg's errors (delivered by longjmp) become a return code
// and a message.
#ifndef CBACKPROP_JPEG_H
#define CBACKPROP_JPEG_H

#include <stddef.h>
#include <stdint.h>

/// A decoded JPEG: 8-bit samples, `channels` per pixel (1 gray, 3 RGB; CMYK and YCCK are converted
/// to RGB), row after row.
typedef struct {
    uint32_t width;
    uint32_t height;
    int channels;
    /// width * height * channels bytes (malloc'd; see backprop_jpeg_free).
    unsigned char *pixels;
    /// Why decoding failed (NUL-terminated), when it did.
    char message[200];
} BackpropJPEGImage;

/// Results of backprop_jpeg_decode and backprop_jpeg_encode.
enum {
    BACKPROP_JPEG_OK = 0,
    /// Not a JPEG, corrupt, or truncated (libjpeg's message in `message`).
    BACKPROP_JPEG_MALFORMED = 1,
    /// The header claims more than `max_pixels` pixels; nothing was allocated for them.
    BACKPROP_JPEG_TOO_LARGE = 2,
    /// Out of memory.
    BACKPROP_JPEG_NO_MEMORY = 3,
    /// The data ends before the image does (libjpeg would pad it with gray).
    BACKPROP_JPEG_TRUNCATED = 4,
};

/// Decodes the JPEG file in `data[0..<size]` into `image`. On success the caller frees it with
/// backprop_jpeg_free; on failure nothing needs freeing. A file that ends early is refused
/// (BACKPROP_JPEG_TRUNCATED), not padded.
int backprop_jpeg_decode(const unsigned char *data, size_t size, uint64_t max_pixels, BackpropJPEGImage *image);

/// Frees the pixels of an image backprop_jpeg_decode returned.
void backprop_jpeg_free(BackpropJPEGImage *image);

/// Encodes `width` × `height` pixels of `channels` (1 or 3) 8-bit samples as a baseline JPEG of
/// `quality` (1…100). On success `*out` (malloc'd; free with backprop_jpeg_free_bytes) holds `*out_size` bytes.
int backprop_jpeg_encode(const unsigned char *pixels, uint32_t width, uint32_t height, int channels, int quality,
                         unsigned char **out, size_t *out_size, char *message, size_t message_size);

/// Frees the bytes backprop_jpeg_encode returned.
void backprop_jpeg_free_bytes(unsigned char *bytes);

#endif
