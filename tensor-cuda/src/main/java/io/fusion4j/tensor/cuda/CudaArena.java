package io.fusion4j.tensor.cuda;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.SlabArena;
import io.fusion4j.api.tensor.Tensor;

/** Step arena over device slabs; 256-byte aligned tensors. Waits for queued kernels before freeing. */
final class CudaArena extends SlabArena<CudaStorage> {
    private final CudaBackend backend;

    CudaArena(CudaBackend backend) {
        super(64);
        this.backend = backend;
    }

    @Override
    protected CudaStorage newSlab(DType dtype, long elements) {
        return backend.newStorage(dtype, elements);
    }

    @Override
    protected void freeSlab(CudaStorage slab) {
        slab.buffer.close();
    }

    @Override
    protected void zero(Tensor t) {
        backend.zero(t);
    }

    @Override
    protected void beforeFree() {
        backend.synchronize();
    }
}
