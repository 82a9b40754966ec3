package io.fusion4j.tensor.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.Availability;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs the real FFM bindings against a stand-in libcuda.so.1 compiled from {@code stub_cuda.c} with the
 * system C compiler, so the driver's failure and success paths are exercised without a GPU.
 */
class StubDriverTest {
    @TempDir
    Path dir;

    private Path stub(String name, int initStatus, int devices) throws IOException, InterruptedException {
        Path folder = Files.createDirectories(dir.resolve(name));
        Path src = dir.resolve("stub_cuda.c");
        if (!Files.exists(src)) {
            try (InputStream in = StubDriverTest.class.getResourceAsStream("stub_cuda.c")) {
                Files.copy(in, src);
            }
        }
        Process p;
        try {
            p = new ProcessBuilder("cc", "-shared", "-fPIC", "-O1", "-DSTUB_INIT_STATUS=" + initStatus,
                    "-DSTUB_DEVICES=" + devices, "-o", folder.resolve("libcuda.so.1").toString(), src.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("no C compiler (cc) to build the stub driver: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("cc output: " + out).isZero();
        return folder;
    }

    @Test
    void aDriverThatFindsNoDeviceMakesTheBackendUnavailableWithTheDriversWords() throws Exception {
        Path folder = stub("nodevice", 100, 0);
        Availability a = new CudaBackendProvider().probeNow(new NativeLibraryLocator(List.of(folder)));
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).isEqualTo("cuInit failed: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)"
                + " (driver at " + folder.resolve("libcuda.so.1") + ")");
    }

    @Test
    void zeroDevicesIsUnavailable() throws Exception {
        Path folder = stub("zero", 0, 0);
        Availability a = new CudaBackendProvider().probeNow(new NativeLibraryLocator(List.of(folder)));
        assertThat(a.reason()).startsWith("no CUDA device found (cuDeviceGetCount returned 0");
    }

    @Test
    void aWorkingDriverIsAvailableAndDriverErrorsNameTheCall() throws Exception {
        Path folder = stub("one", 0, 1);
        CudaBackendProvider provider = new CudaBackendProvider();
        Availability a = provider.probeNow(new NativeLibraryLocator(List.of(folder)));
        // Without cuBLAS the built-in GEMM is used; kernels come from the PTX the build put in the jar,
        // or, if it was built without nvcc, NVRTC would be required and the probe says so.
        if (KernelImage.resource(KernelImage.PTX) == null) {
            assertThat(a.available()).isFalse();
            assertThat(a.reason()).startsWith("no kernels: the jar holds no prebuilt PTX");
            return;
        }
        assertThat(a.available()).as(a.reason()).isTrue();
        assertThat(a.reason()).contains("1 device(s), first Stub GPU, driver 13.0, kernels prebuilt PTX");
        try (Backend b = provider.create(BackendOptions.defaults())) {
            assertThat(b.deviceDescription()).startsWith("Stub GPU, compute 9.0")
                    .contains("kernels from prebuilt fusion4j_kernels.ptx").contains("the built-in tiled kernel");
            // The stub's cuMemAlloc fails with status 2: the exception names the call and the size.
            assertThatThrownBy(() -> b.allocate(DType.F32, Shape.of(10)))
                    .isInstanceOf(CudaException.class)
                    .hasMessage("cuMemAlloc_v2(40 bytes) failed: CUDA_ERROR_STUB (stub error)");
        }
    }

    @Test
    void aFileThatIsNotALibraryIsReportedWithItsPath() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(folder.resolve("libcuda.so.1"), "not an ELF file");
        Availability a = new CudaBackendProvider().probeNow(new NativeLibraryLocator(List.of(folder)));
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).startsWith("libcuda.so.1 (the NVIDIA driver) not found: " + folder.resolve("libcuda.so.1"))
                .contains("nor by the system loader");
    }
}
