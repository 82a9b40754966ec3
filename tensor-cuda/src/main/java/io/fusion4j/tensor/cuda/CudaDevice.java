package io.fusion4j.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One GPU: its primary context, one stream, the loaded kernel module and an optional cuBLAS handle.
 * A single owner thread makes every driver call ({@link #call}); callers never touch the context.
 */
final class CudaDevice implements AutoCloseable {
    final CudaDriver driver;
    final Cublas cublas;
    final Nvrtc nvrtc;
    final int ordinal;
    private final ExecutorService owner;
    private volatile Thread ownerThread;

    int dev;
    String name;
    int ccMajor;
    int ccMinor;
    int multiprocessors;
    long totalMemory;
    int driverVersion;
    String kernelOrigin;
    private MemorySegment context;
    MemorySegment stream;
    private MemorySegment module;
    private MemorySegment cublasHandle;
    private final Map<Kernel, MemorySegment> functions = new EnumMap<>(Kernel.class);
    private boolean closed;

    private CudaDevice(CudaDriver driver, Cublas cublas, Nvrtc nvrtc, int ordinal) {
        this.driver = driver;
        this.cublas = cublas;
        this.nvrtc = nvrtc;
        this.ordinal = ordinal;
        this.owner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fusion4j-cuda-" + ordinal);
            t.setDaemon(true);
            ownerThread = t;
            return t;
        });
    }

    /** Opens device {@code ordinal}: retains its primary context, creates a stream, loads the kernels. */
    static CudaDevice open(CudaDriver driver, Cublas cublas, Nvrtc nvrtc, int ordinal) {
        CudaDevice d = new CudaDevice(driver, cublas, nvrtc, ordinal);
        try {
            d.call(() -> {
                d.initialise();
                return null;
            });
        } catch (RuntimeException e) {
            d.owner.shutdownNow();
            throw e;
        }
        return d;
    }

    private void initialise() {
        driver.init();
        driverVersion = driver.driverVersion();
        dev = driver.device(ordinal);
        name = driver.deviceName(dev);
        ccMajor = driver.attribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR, dev);
        ccMinor = driver.attribute(CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR, dev);
        multiprocessors = driver.attribute(CudaDriver.ATTR_MULTIPROCESSOR_COUNT, dev);
        totalMemory = driver.totalMemory(dev);
        context = driver.retainPrimaryContext(dev);
        driver.setCurrent(context);
        stream = driver.createStream();
        module = loadKernels();
        if (cublas != null) {
            cublasHandle = cublas.createHandle(stream);
        }
    }

    /** Prebuilt PTX first, then the compat-ISA copy (older drivers), then NVRTC; every failure goes in the message. */
    private MemorySegment loadKernels() {
        StringBuilder why = new StringBuilder();
        for (String image : new String[]{KernelImage.PTX, KernelImage.COMPAT_PTX}) {
            byte[] ptx = KernelImage.ptx(image);
            if (ptx == null) {
                why.append(image).append(" is not in the jar (built without nvcc); ");
                continue;
            }
            MemorySegment m = tryLoad(ptx);
            if (m != null) {
                kernelOrigin = "prebuilt " + image;
                return m;
            }
            why.append("the driver rejected ").append(image).append(": ").append(driver.describe(lastStatus)).append("; ");
        }
        if (nvrtc == null) {
            throw new CudaException("cannot load the fusion4j kernels: " + why + "and NVRTC was not found", lastStatus);
        }
        String source = KernelImage.source();
        byte[] ptx = nvrtc.compileToPtx(source, KernelImage.SOURCE, ccMajor, ccMinor);
        MemorySegment m = tryLoad(ptx);
        if (m == null) {
            throw new CudaException("cuModuleLoadDataEx rejected the NVRTC-compiled kernels: "
                    + driver.describe(lastStatus) + " (" + why + ")", lastStatus);
        }
        kernelOrigin = "NVRTC (" + nvrtc.location + ")";
        return m;
    }

    private int lastStatus;

    private MemorySegment tryLoad(byte[] image) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment img = a.allocate(image.length);
            MemorySegment.copy(image, 0, img, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, image.length);
            MemorySegment out = a.allocate(ADDRESS);
            lastStatus = driver.loadModule(img, out);
            return lastStatus == CudaDriver.CUDA_SUCCESS ? out.get(ADDRESS, 0) : null;
        }
    }

    /** Runs {@code task} on the owner thread and returns its result; exceptions propagate unchanged. */
    <T> T call(Callable<T> task) {
        if (Thread.currentThread() == ownerThread) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        Future<T> f = owner.submit(task);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the CUDA owner thread", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
    }

    void run(Runnable task) {
        call(() -> {
            task.run();
            return null;
        });
    }

    DeviceBuffer allocate(long bytes) {
        long p = call(() -> driver.malloc(Math.max(bytes, 4)));
        return new DeviceBuffer(this, p, bytes);
    }

    void free(long pointer) {
        if (!closed) {
            run(() -> driver.free(pointer));
        }
    }

    /**
     * Launches {@code kernel} on the stream. Arguments: {@link Long} (device pointers and 64-bit ints),
     * {@link Integer}, {@link Float}, {@link Double}. Must run on the owner thread.
     */
    void launch(Kernel kernel, int gx, int gy, int gz, int bx, int by, int bz, Object... args) {
        MemorySegment fn = functions.computeIfAbsent(kernel, k -> driver.function(module, k.name()));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(ADDRESS, args.length);
            for (int i = 0; i < args.length; i++) {
                MemorySegment slot = switch (args[i]) {
                    case Long l -> a.allocateFrom(JAVA_LONG, l);
                    case Integer n -> a.allocateFrom(JAVA_INT, n);
                    case Float f -> a.allocateFrom(JAVA_FLOAT, f);
                    case Double d -> a.allocateFrom(JAVA_DOUBLE, d);
                    default -> throw new IllegalArgumentException("kernel argument " + i + " of " + kernel
                            + " has unsupported type " + args[i].getClass().getName());
                };
                params.setAtIndex(ADDRESS, i, slot);
            }
            driver.launch(kernel.name(), fn, gx, gy, gz, bx, by, bz, 0, stream, params);
        }
    }

    boolean hasCublas() {
        return cublasHandle != null;
    }

    MemorySegment cublasHandle() {
        return cublasHandle;
    }

    void synchronize() {
        run(() -> driver.synchronize(stream));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        run(() -> {
            driver.synchronize(stream);
            if (cublasHandle != null) {
                cublas.destroyHandle(cublasHandle);
            }
            driver.unloadModule(module);
            driver.destroyStream(stream);
            driver.releasePrimaryContext(dev);
        });
        closed = true;
        owner.shutdown();
    }
}
