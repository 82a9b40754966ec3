package io.fusion4j.tensor.cuda;

/**
 * Device memory from {@code cuMemAlloc}, freed on the device's owner thread by {@link #close()} (or by
 * the backend's cleaner when the buffer becomes unreachable). Closing twice is harmless.
 */
final class DeviceBuffer implements AutoCloseable {
    private final CudaDevice device;
    final long pointer;
    final long bytes;
    private boolean closed;

    DeviceBuffer(CudaDevice device, long pointer, long bytes) {
        this.device = device;
        this.pointer = pointer;
        this.bytes = bytes;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            device.free(pointer);
        }
    }
}
