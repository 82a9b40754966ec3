package io.fusion4j.api.tensor;

/**
 * Backend-owned memory behind one or more tensors. Only the backend that created a storage reads
 * or writes its contents; models see it only through {@link Tensor} and backend kernels.
 *
 * <p>Contract for implementations: {@link #capacity()} never changes; {@link #dtype()} is the
 * element type of every tensor that views this storage.
 */
public interface Storage {
    /** Element type of the storage. */
    DType dtype();

    /** Number of elements the storage holds. */
    long capacity();

    /** Name of the backend that owns it, for error messages. */
    String backendName();
}
