package io.fusion4j.tensor.cuda;

import io.fusion4j.api.backend.Availability;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.BackendProvider;
import io.fusion4j.api.backend.BackendUnavailableException;

import java.util.ArrayList;
import java.util.List;

/**
 * Registers the CUDA backend as {@code cuda} (priority 100). {@link #probe()} loads the driver, counts
 * devices and checks that kernels can be loaded (prebuilt PTX in the jar, or NVRTC); every failed
 * library lookup is part of the reason. Options: property {@code cuda.device} (ordinal, default 0);
 * extra library folders in {@code fusion4j.cuda.path} / {@code FUSION4J_CUDA_PATH}.
 */
public final class CudaBackendProvider implements BackendProvider {
    private volatile Availability cached;
    private volatile Loaded loaded;

    private record Loaded(CudaDriver driver, Cublas cublas, Nvrtc nvrtc) {
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability probe() {
        Availability a = cached;
        if (a == null) {
            try {
                a = probeWith(NativeLibraryLocator.standard());
            } catch (Throwable t) { // a probe never throws and never takes the JVM down
                a = Availability.no("probe failed: " + t);
            }
            cached = a;
        }
        return a;
    }

    /** Probes with the given library locator and remembers the answer (tests point it at stub libraries). */
    Availability probeNow(NativeLibraryLocator locator) {
        Availability a = probeWith(locator);
        cached = a;
        return a;
    }

    private Availability probeWith(NativeLibraryLocator locator) {
        List<String> attempts = new ArrayList<>();
        CudaDriver driver = CudaDriver.load(locator, attempts);
        if (driver == null) {
            return Availability.no("libcuda.so.1 (the NVIDIA driver) not found: " + String.join("; ", attempts));
        }
        int count;
        int version;
        try {
            driver.init();
            version = driver.driverVersion();
            count = driver.deviceCount();
        } catch (CudaException e) {
            return Availability.no(e.getMessage() + " (driver at " + driver.location + ")");
        }
        if (count == 0) {
            return Availability.no("no CUDA device found (cuDeviceGetCount returned 0; driver at " + driver.location + ")");
        }
        List<String> optional = new ArrayList<>();
        Cublas cublas = Cublas.load(locator, optional);
        Nvrtc nvrtc = Nvrtc.load(locator, optional);
        boolean ptx = KernelImage.resource(KernelImage.PTX) != null;
        if (!ptx && nvrtc == null) {
            return Availability.no("no kernels: the jar holds no prebuilt PTX (built without nvcc) and NVRTC was not found: "
                    + String.join("; ", optional));
        }
        String name;
        try {
            name = driver.deviceName(driver.device(0));
        } catch (CudaException e) {
            return Availability.no(e.getMessage());
        }
        loaded = new Loaded(driver, cublas, nvrtc);
        return Availability.yes(count + " device(s), first " + name + ", driver " + version / 1000 + "."
                + version % 1000 / 10 + ", kernels " + (ptx ? "prebuilt PTX" : "via NVRTC") + ", GEMM "
                + (cublas != null ? "cuBLAS" : "built-in kernel (cuBLAS not found)"));
    }

    @Override
    public Backend create(BackendOptions options) {
        if (options.precision() != io.fusion4j.api.backend.Precision.FP32) {
            throw new BackendUnavailableException("backend 'cuda' computes matrix products in fp32 only, asked for "
                    + options.precision());
        }
        Availability a = probe();
        Loaded l = loaded;
        if (!a.available() || l == null) {
            throw new BackendUnavailableException("backend 'cuda' is unavailable: " + a.reason());
        }
        int ordinal;
        try {
            ordinal = Integer.parseInt(options.property("cuda.device", "0"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option 'cuda.device' must be a device ordinal, found "
                    + options.property("cuda.device", ""));
        }
        return new CudaBackend(CudaDevice.open(l.driver(), l.cublas(), l.nvrtc(), ordinal));
    }
}
