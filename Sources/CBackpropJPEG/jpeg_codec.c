// libjpeg's error handling is setjmp/longjmp, which must stay in C: this file is the only place that
// calls libjpeg, and every error comes back to Swift as a status and a message.
#include "CBackpropJPEG.h"

#if __has_include(<jpeglib.h>)
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t message_size;
    int truncated;
} ErrorManager;

static void on_error(j_common_ptr info) {
    ErrorManager *errors = (ErrorManager *)info->err;
    char text[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, text);
    snprintf(errors->message, errors->message_size, "%s", text);
    longjmp(errors->jump, 1);
}

// Warnings: a premature end of data (JWRN_JPEG_EOF) marks the image truncated; others are ignored.
static void on_message(j_common_ptr info, int level) {
    ErrorManager *errors = (ErrorManager *)info->err;
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) errors->truncated = 1;
}

int backprop_jpeg_decode(const unsigned char *data, size_t size, uint64_t max_pixels, BackpropJPEGImage *image) {
    memset(image, 0, sizeof *image);
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        snprintf(image->message, sizeof image->message, "not a JPEG signature");
        return BACKPROP_JPEG_MALFORMED;
    }
    struct jpeg_decompress_struct info;
    ErrorManager errors;
    info.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = on_error;
    errors.base.emit_message = on_message;
    errors.message = image->message;
    errors.message_size = sizeof image->message;
    errors.truncated = 0;
    unsigned char *volatile pixels = NULL;
    volatile int status = BACKPROP_JPEG_MALFORMED;
    if (setjmp(errors.jump)) {
        free(pixels);
        jpeg_destroy_decompress(&info);
        return status;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    if ((uint64_t)info.image_width * (uint64_t)info.image_height > max_pixels) {
        snprintf(image->message, sizeof image->message, "%u × %u pixels (at most %llu pixels)",
                 (unsigned)info.image_width, (unsigned)info.image_height, (unsigned long long)max_pixels);
        jpeg_destroy_decompress(&info);
        return BACKPROP_JPEG_TOO_LARGE;
    }
    info.out_color_space = info.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&info);
    int channels = info.output_components;
    if (channels != 1 && channels != 3) {
        snprintf(image->message, sizeof image->message, "%d colour components", channels);
        longjmp(errors.jump, 1);
    }
    size_t row_bytes = (size_t)info.output_width * (size_t)channels;
    // Huffman-coded data is at least 1 bit per 8×8 block and component: a file far too small for the
    // image it claims is refused before its pixels are allocated.
    uint64_t blocks = ((uint64_t)info.output_width + 7) / 8 * (((uint64_t)info.output_height + 7) / 8);
    if (blocks / 8 > (uint64_t)size + 65536) {
        snprintf(image->message, sizeof image->message, "%u × %u pixels cannot come from a file of %zu bytes",
                 (unsigned)info.output_width, (unsigned)info.output_height, size);
        status = BACKPROP_JPEG_TRUNCATED;
        longjmp(errors.jump, 1);
    }
    pixels = malloc(row_bytes * info.output_height);
    if (pixels == NULL) {
        status = BACKPROP_JPEG_NO_MEMORY;
        snprintf(image->message, sizeof image->message, "out of memory");
        longjmp(errors.jump, 1);
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + (size_t)info.output_scanline * row_bytes;
        jpeg_read_scanlines(&info, &row, 1);
        if (errors.truncated) break;
    }
    if (errors.truncated) {
        snprintf(image->message, sizeof image->message, "the data ends before the image does");
        status = BACKPROP_JPEG_TRUNCATED;
        longjmp(errors.jump, 1);
    }
    jpeg_finish_decompress(&info);
    if (errors.truncated) {
        snprintf(image->message, sizeof image->message, "the data ends before the image does");
        status = BACKPROP_JPEG_TRUNCATED;
        longjmp(errors.jump, 1);
    }
    image->width = info.output_width;
    image->height = info.output_height;
    image->channels = channels;
    image->pixels = pixels;
    jpeg_destroy_decompress(&info);
    return BACKPROP_JPEG_OK;
}

void backprop_jpeg_free(BackpropJPEGImage *image) {
    free(image->pixels);
    image->pixels = NULL;
}

int backprop_jpeg_encode(const unsigned char *pixels, uint32_t width, uint32_t height, int channels, int quality,
                         unsigned char **out, size_t *out_size, char *message, size_t message_size) {
    *out = NULL;
    *out_size = 0;
    if ((channels != 1 && channels != 3) || width == 0 || height == 0) {
        snprintf(message, message_size, "cannot encode %d channel(s) of %u × %u", channels, (unsigned)width, (unsigned)height);
        return BACKPROP_JPEG_MALFORMED;
    }
    struct jpeg_compress_struct info;
    ErrorManager errors;
    info.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = on_error;
    errors.message = message;
    errors.message_size = message_size;
    unsigned char *volatile buffer = NULL;
    unsigned long buffer_size = 0;
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&info);
        free(buffer);
        return BACKPROP_JPEG_MALFORMED;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, (unsigned char **)&buffer, &buffer_size);
    info.image_width = width;
    info.image_height = height;
    info.input_components = channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    size_t row_bytes = (size_t)width * (size_t)channels;
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)info.next_scanline * row_bytes);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *out = buffer;
    *out_size = buffer_size;
    return BACKPROP_JPEG_OK;
}

void backprop_jpeg_free_bytes(unsigned char *bytes) { free(bytes); }

#endif
