package io.fusion4j.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import io.fusion4j.api.backend.Backend;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void backendsListsTheCpuBackendAsAvailableAndDefault() {
        assertThat(run("backends")).isZero();
        assertThat(out.toString()).containsPattern("cpu\\s+priority\\s+10\\s+available: \\d+-bit vectors")
                .containsPattern("cuda\\s+priority 100\\s+(available|unavailable): \\S");
    }

    @Test
    void aMissingBackendIsOneClearLineAndExitCode2() {
        assertThat(run("bench", "gemm", "--backend", "nope", "--rounds", "1")).isEqualTo(2);
        String line = err.toString().strip();
        assertThat(line).doesNotContain("\n")
                .startsWith("fusion4j: backend 'nope' was not found on the module path; found: cuda (")
                .contains(", cpu; available backends: ")
                .endsWith("cpu");
    }

    @Test
    void badOptionsNameTheOptionAndFail() {
        assertThat(run("bench", "gemm", "--threads", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--threads").contains("found 0");
        StringWriter e2 = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(e2, true), "bench", "gemm", "--forms", "NX"))
                .isEqualTo(2);
        assertThat(e2.toString()).contains("--forms").contains("NX");
        assertThat(run("bench", "conv")).isEqualTo(2);
        assertThat(err.toString()).contains("conv");
    }

    @Test
    void trainingAndGenerationErrorsNameWhatIsWrong(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertThat(run("generate", "--run", dir.resolve("none").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--run").contains("tokenizer.txt");
        StringWriter e2 = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(e2, true), "train", "--preset", "huge",
                "--out", dir.resolve("x").toString(), "--data", "builtin")).isEqualTo(2);
        assertThat(e2.toString()).contains("--preset").contains("huge");
        StringWriter e3 = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(e3, true), "train", "--data",
                dir.resolve("missing.txt").toString(), "--out", dir.resolve("y").toString())).isEqualTo(2);
        assertThat(e3.toString()).contains("--data").contains("missing.txt");
    }

    @Test
    void backendModuleBindsOneBackendChosenThroughServiceLoader() {
        Injector injector = Guice.createInjector(new BackendModule("cpu", 1));
        Backend a = injector.getInstance(Backend.class);
        assertThat(a.name()).isEqualTo("cpu");
        assertThat(a.threads()).isEqualTo(1);
        assertThat(injector.getInstance(Backend.class)).isSameAs(a);
        a.close();
    }
}
