package io.fusion4j.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

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
                .contains(", cpu, onednn (unavailable: backend 'onednn' computes matrix products in bf16 only")
                .endsWith("; available backends: cpu");
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
    void fileSystemErrorsAndBadDataAreOneLineInWords(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("afile"), "x");
        assertThat(run("train", "--out", file.toString(), "--steps", "1")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("fusion4j: " + file + ": not a folder (it is a file); a run needs a"
                + " folder of its own");
        java.nio.file.Path binary = java.nio.file.Files.write(dir.resolve("data.txt"), new byte[]{'a', (byte) 0xff, 'b'});
        StringWriter e2 = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(e2, true), "train", "--out",
                dir.resolve("r1").toString(), "--data", binary.toString(), "--steps", "1")).isEqualTo(2);
        assertThat(e2.toString().strip()).isEqualTo("fusion4j: " + binary + ": not UTF-8 text (an invalid byte sequence"
                + " at byte 1)");
        java.nio.file.Path blank = java.nio.file.Files.writeString(dir.resolve("blank.txt"), "\n\n  \n\n");
        StringWriter e3 = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(e3, true), "train", "--out",
                dir.resolve("r2").toString(), "--data", blank.toString(), "--steps", "1")).isEqualTo(2);
        assertThat(e3.toString()).contains("the training data holds no text");
        assertThat(Main.describe(new java.nio.file.AccessDeniedException("/ro/run.lock")))
                .isEqualTo("/ro/run.lock: permission denied");
        StringWriter e4 = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(e4, true), "train", "--threads",
                "100000", "--out", dir.resolve("r3").toString())).isEqualTo(2);
        assertThat(e4.toString()).contains("--threads must be in [0, 1024]");
        StringWriter e5 = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(e5, true), "bench", "gemm", "--shapes",
                "100000x100000x100000", "--threads", "1")).isEqualTo(2);
        assertThat(e5.toString()).contains("--shapes: 100000x100000x100000 needs").contains("MiB of operands");
    }

    @Test
    void trainingAndGenerationErrorsNameWhatIsWrong(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertThat(run("generate", "--run", dir.resolve("none").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--run " + dir.resolve("none") + ": no such folder");
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
    void badInputIsOneLineAndExitCode2() {
        assertThat(run("generate", "--temperature", "-1")).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("fusion4j: --temperature must be a finite number >= 0 (0 for greedy), found -1.0"
                + System.lineSeparator());
        StringWriter e2 = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(e2, true), "generate", "--top-p", "0"))
                .isEqualTo(2);
        assertThat(e2.toString().strip()).isEqualTo("fusion4j: --top-p must be in (0, 1], found 0.0");
        // picocli's own parameter errors: one line too, pointing at the usage text instead of printing it.
        StringWriter e3 = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(e3, true), "bench", "gemm", "--nope"))
                .isEqualTo(2);
        assertThat(e3.toString().strip()).isEqualTo("fusion4j: Unknown option: '--nope' (see 'fusion4j help bench')");
        StringWriter e4 = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(e4, true), "--nope")).isEqualTo(2);
        assertThat(e4.toString().strip()).isEqualTo("fusion4j: Unknown option: '--nope' (see 'fusion4j --help')");
    }

    private static List<String> lines(StringWriter w) {
        return w.toString().lines().toList();
    }

    @Test
    void anInternalErrorIsOneLineWithAHintAndExitCode70() {
        StringWriter e = new StringWriter();
        assertThat(Main.report(new IllegalStateException("KV cache is full (8 positions)"), new PrintWriter(e), false))
                .isEqualTo(70);
        assertThat(lines(e)).containsExactly(
                "fusion4j: internal error: java.lang.IllegalStateException: KV cache is full (8 positions)",
                "(run with --stacktrace or FUSION4J_STACKTRACE=1 for the stack trace)");

        StringWriter npe = new StringWriter();
        assertThat(Main.report(new ProvisionException("Unable to provision\n 1 error", new NullPointerException()),
                new PrintWriter(npe), false)).isEqualTo(70);
        assertThat(lines(npe).getFirst()).isEqualTo("fusion4j: internal error: java.lang.NullPointerException");

        StringWriter trace = new StringWriter();
        assertThat(Main.report(new IllegalStateException("broken"), new PrintWriter(trace), true)).isEqualTo(70);
        assertThat(lines(trace).getFirst()).isEqualTo("fusion4j: internal error: java.lang.IllegalStateException: broken");
        assertThat(trace.toString()).contains("io.fusion4j.eval.cli.MainTest.anInternalErrorIsOneLineWithAHintAndExitCode70(MainTest.java:").doesNotContain("--stacktrace");
    }

    @Test
    void expectedFailuresDownTheCauseChainAreBadInput() {
        StringWriter e = new StringWriter();
        assertThat(Main.report(new RuntimeException("wrapped", new UncheckedIOException(new NoSuchFileException("x.txt"))),
                new PrintWriter(e), false)).isEqualTo(2);
        assertThat(lines(e)).containsExactly("fusion4j: x.txt: no such file or folder");
        StringWriter u = new StringWriter();
        assertThat(Main.report(new UserInputException("--data: no such file\nor folder"), new PrintWriter(u), false))
                .isEqualTo(2);
        assertThat(lines(u)).containsExactly("fusion4j: --data: no such file or folder");
    }

    /** A failing command, added here only: the real commands have no way to fail on purpose. */
    @Command(name = "boom")
    static final class Boom implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("boom");
        }
    }

    private static int runWithBoom(StringWriter err, boolean stacktraceEnv, String... args) {
        CommandLine cl = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err, true), stacktraceEnv);
        cl.addSubcommand(new Boom());
        return cl.execute(args);
    }

    @Test
    void stacktraceIsAGlobalOptionAndAnEnvironmentVariable() {
        StringWriter plain = new StringWriter();
        assertThat(runWithBoom(plain, false, "boom")).isEqualTo(70);
        assertThat(lines(plain)).hasSize(2);
        for (String[] args : new String[][]{{"--stacktrace", "boom"}, {"boom", "--stacktrace"}}) {
            StringWriter traced = new StringWriter();
            assertThat(runWithBoom(traced, false, args)).isEqualTo(70);
            assertThat(lines(traced).getFirst()).isEqualTo("fusion4j: internal error: java.lang.IllegalStateException: boom");
            assertThat(traced.toString()).contains("io.fusion4j.eval.cli.MainTest$Boom.call(MainTest.java:");
        }
        StringWriter env = new StringWriter();
        assertThat(runWithBoom(env, true, "boom")).isEqualTo(70);
        assertThat(env.toString()).contains("io.fusion4j.eval.cli.MainTest$Boom.call(MainTest.java:");
        assertThat(run("generate", "--stacktrace", "--max-tokens", "-1")).isEqualTo(2);
    }

    /** A command with the backend options alone, to see what the mixin parses and creates. */
    @Command(name = "probe")
    static final class Probe {
        @picocli.CommandLine.Mixin
        BackendChoice backend;
    }

    @Test
    void backendChoiceParsesBackendAndThreadsAndRejectsNegativeThreads() {
        Probe probe = new Probe();
        new CommandLine(probe).parseArgs("--backend", "cpu", "--threads", "1");
        try (Backend b = probe.backend.create()) {
            assertThat(b.name()).isEqualTo("cpu");
            assertThat(b.threads()).isEqualTo(1);
        }
        Probe all = new Probe();
        new CommandLine(all).parseArgs("--backend", "cpu");
        try (Backend b = all.backend.create()) {
            assertThat(b.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        }
        assertThat(run("generate", "--threads", "-1")).isEqualTo(2);
        assertThat(err.toString().strip())
                .isEqualTo("fusion4j: --threads must be in [0, 1024] (0 for all processors), found -1 (see 'fusion4j help generate')");
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
