// libpng's error handling is setjmp/longjmp, which must stay in C: this file is the only place that
// calls libpng, and every error comes back to Swift as a status and a message.
#include "CBackpropPNG.h"

// Linux builds it against Debian's libpng-dev; macOS decodes PNG with ImageIO instead (see
// Sources/Backprop/Data/PNGReader.swift), and compiles this file empty when libpng is not installed.
#if __has_include(<png.h>)
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *data;
    size_t size;
    size_t position;
    BackpropPNGImage *image;
    int status;
} Reader;

static void on_error(png_structp png, png_const_charp message) {
    Reader *reader = (Reader *)png_get_error_ptr(png);
    if (reader->image->message[0] == 0) {
        snprintf(reader->image->message, sizeof reader->image->message, "%s", message);
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void read_bytes(png_structp png, png_bytep out, size_t length) {
    Reader *reader = (Reader *)png_get_io_ptr(png);
    if (length > reader->size - reader->position) {
        png_error(png, "the file ends early (truncated)");
    }
    memcpy(out, reader->data + reader->position, length);
    reader->position += length;
}

int backprop_png_decode(const unsigned char *data, size_t size, uint64_t max_pixels, BackpropPNGImage *image) {
    memset(image, 0, sizeof *image);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(image->message, sizeof image->message, "not a PNG signature");
        return BACKPROP_PNG_MALFORMED;
    }
    Reader reader = {data, size, 0, image, BACKPROP_PNG_MALFORMED};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, on_error, on_warning);
    if (png == NULL) {
        snprintf(image->message, sizeof image->message, "libpng could not start");
        return BACKPROP_PNG_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(image->message, sizeof image->message, "libpng could not start");
        return BACKPROP_PNG_NO_MEMORY;
    }
    unsigned char *volatile pixels = NULL;
    png_bytepp volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        image->pixels = NULL;
        return reader.status;
    }
    png_set_read_fn(png, &reader, read_bytes);
    // Ancillary chunks (text, ICC profiles) are never kept whole beyond 1 MiB, however they inflate.
    png_set_chunk_malloc_max(png, 1u << 20);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int depth = 0, color = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &depth, &color, &interlace, NULL, NULL);
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        reader.status = BACKPROP_PNG_TOO_LARGE;
        snprintf(image->message, sizeof image->message, "%u × %u pixels (at most %llu pixels)",
                 (unsigned)width, (unsigned)height, (unsigned long long)max_pixels);
        png_longjmp(png, 1);
    }
    png_set_expand(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int bytes = png_get_bit_depth(png, info) == 16 ? 2 : 1;
    size_t row_bytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || row_bytes != (size_t)width * (size_t)channels * (size_t)bytes) {
        png_error(png, "unexpected row layout after expansion");
    }
    // Deflate expands at most 1032 times: a file too small to hold the image it claims is refused
    // before its pixels are allocated.
    if ((uint64_t)(row_bytes + 1) * height > (uint64_t)size * 1032 + 65536) {
        snprintf(image->message, sizeof image->message, "%u × %u pixels cannot come from a file of %zu bytes (truncated)",
                 (unsigned)width, (unsigned)height, size);
        png_longjmp(png, 1);
    }
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        reader.status = BACKPROP_PNG_NO_MEMORY;
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++) {
        rows[y] = pixels + (size_t)y * row_bytes;
    }
    png_read_image(png, rows);
    png_read_end(png, NULL);

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    image->width = width;
    image->height = height;
    image->channels = channels;
    image->bytesPerSample = bytes;
    image->pixels = pixels;
    return BACKPROP_PNG_OK;
}

void backprop_png_free(BackpropPNGImage *image) {
    free(image->pixels);
    image->pixels = NULL;
}

int backprop_png_encode(const unsigned char *pixels, uint32_t width, uint32_t height, int channels,
                        unsigned char **out, size_t *out_size, char *message, size_t message_size) {
    *out = NULL;
    *out_size = 0;
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = width;
    image.height = height;
    image.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    if ((channels != 1 && channels != 3) || width == 0 || height == 0) {
        snprintf(message, message_size, "cannot encode %d channel(s) of %u × %u", channels, (unsigned)width, (unsigned)height);
        return BACKPROP_PNG_MALFORMED;
    }
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&image, NULL, &size, 0, pixels, 0, NULL)) {
        snprintf(message, message_size, "%s", image.message);
        return BACKPROP_PNG_MALFORMED;
    }
    unsigned char *buffer = malloc(size);
    if (buffer == NULL) {
        snprintf(message, message_size, "out of memory");
        return BACKPROP_PNG_NO_MEMORY;
    }
    if (!png_image_write_to_memory(&image, buffer, &size, 0, pixels, 0, NULL)) {
        snprintf(message, message_size, "%s", image.message);
        free(buffer);
        return BACKPROP_PNG_MALFORMED;
    }
    *out = buffer;
    *out_size = size;
    return BACKPROP_PNG_OK;
}

void backprop_png_free_bytes(unsigned char *bytes) { free(bytes); }

#endif
