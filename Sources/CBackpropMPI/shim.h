// What Swift cannot import from Open MPI's <mpi.h>: MPI_COMM_WORLD, MPI_FLOAT, MPI_DOUBLE, MPI_BYTE,
// MPI_SUM, MPI_IN_PLACE and MPI_ERRORS_RETURN are macros (casts of addresses of Open MPI's globals).
// Each function returns the MPI error code (MPI_SUCCESS is 0) unless it says otherwise.
#ifndef BACKPROP_MPI_SHIM_H
#define BACKPROP_MPI_SHIM_H
#include <mpi.h>

/// MPI_Init_thread (only the calling thread makes MPI calls), then MPI_ERRORS_RETURN on MPI_COMM_WORLD,
/// so that a failed operation (a peer gone) returns an error code instead of aborting in the library.
static inline int backprop_mpi_init(void) {
    int provided = 0;
    int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) return rc;
    return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

static inline int backprop_mpi_finalize(void) { return MPI_Finalize(); }

/// This process's rank in MPI_COMM_WORLD (-1 on error).
static inline int backprop_mpi_rank(void) {
    int rank = -1;
    return MPI_Comm_rank(MPI_COMM_WORLD, &rank) == MPI_SUCCESS ? rank : -1;
}

/// The number of ranks in MPI_COMM_WORLD (-1 on error).
static inline int backprop_mpi_size(void) {
    int size = -1;
    return MPI_Comm_size(MPI_COMM_WORLD, &size) == MPI_SUCCESS ? size : -1;
}

/// buffer[i] ← Σ over the ranks of buffer[i] (MPI_Allreduce in place).
static inline int backprop_mpi_allreduce_sum_float(float *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

/// buffer[i] ← Σ over the ranks of buffer[i] (MPI_Allreduce in place).
static inline int backprop_mpi_allreduce_sum_double(double *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

/// Every rank's `bytes` ← root's (MPI_Bcast).
static inline int backprop_mpi_broadcast_bytes(void *bytes, int count, int root) {
    return MPI_Bcast(bytes, count, MPI_BYTE, root, MPI_COMM_WORLD);
}

/// Ends every rank of the job (MPI_Abort).
static inline void backprop_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

/// The text of an MPI error code, written into `text` (NUL-terminated; capacity at least MPI_MAX_ERROR_STRING).
static inline void backprop_mpi_error_string(int code, char *text, int capacity) {
    char message[MPI_MAX_ERROR_STRING + 1];
    int length = 0;
    if (MPI_Error_string(code, message, &length) != MPI_SUCCESS) length = 0;
    if (length >= capacity) length = capacity - 1;
    for (int i = 0; i < length; i++) text[i] = message[i];
    text[length < 0 ? 0 : length] = 0;
}

#endif
