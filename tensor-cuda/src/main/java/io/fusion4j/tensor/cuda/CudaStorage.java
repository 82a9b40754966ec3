package io.fusion4j.tensor.cuda;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Storage;

/** Device memory behind CUDA tensors. */
final class CudaStorage implements Storage {
    final DeviceBuffer buffer;
    final DType dtype;
    final long capacity;

    CudaStorage(DeviceBuffer buffer, DType dtype, long capacity) {
        this.buffer = buffer;
        this.dtype = dtype;
        this.capacity = capacity;
    }

    /** Device address of element {@code offset}. */
    long address(long offset) {
        return buffer.pointer + offset * dtype.byteSize();
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    @Override
    public String backendName() {
        return "cuda";
    }
}
