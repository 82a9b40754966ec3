package io.fusion4j.tensor.cuda;

/** A CUDA, cuBLAS or NVRTC call failed; the message names the call, the status and its description. */
public final class CudaException extends RuntimeException {
    private final int status;

    CudaException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The status code the call returned. */
    public int status() {
        return status;
    }
}
