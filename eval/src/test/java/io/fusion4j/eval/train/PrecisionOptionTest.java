package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.backend.Precision;
import io.fusion4j.eval.cli.Main;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code train --precision}: bad values and backends that cannot are refused up front; a run keeps its precision. */
class PrecisionOptionTest {
    @TempDir
    Path dir;

    private record Result(int rc, String out, String err) {
    }

    private static Result cli(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int rc = Main.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
        return new Result(rc, o.toString(), e.toString());
    }

    @Test
    void anUnknownPrecisionNamesTheOptionAndTheChoices() {
        Result r = cli("train", "--steps", "2", "--out", dir.resolve("a").toString(), "--precision", "fp16");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains("--precision: expected one of fp32, bf16, found 'fp16'");
        assertThat(dir.resolve("a").resolve("step-00000002")).doesNotExist();
    }

    @Test
    void bf16OnTheFp32CpuBackendIsRefusedNotRunInFp32() {
        Result r = cli("train", "--steps", "2", "--out", dir.resolve("b").toString(), "--backend", "cpu",
                "--precision", "bf16");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains("backend 'cpu' is unavailable for bf16 matrix products")
                .contains("computes matrix products in fp32 only");
        assertThat(dir.resolve("b").resolve("step-00000002")).doesNotExist();
    }

    @Test
    void aResumedBf16RunStaysBf16AndSwitchingIsAChangeToAllow() throws Exception {
        boolean bf16 = Backends.discover().providers().stream().anyMatch(p -> p.probe(Precision.BF16).available());
        Assumptions.assumeTrue(bf16, "no backend computes bf16 matrix products here");
        Path run = dir.resolve("c");
        String out = run.toString();
        assertThat(cli("train", "--steps", "4", "--stop-at", "2", "--out", out, "--threads", "1", "--precision", "bf16")
                .rc()).isZero();
        Result resumed = cli("train", "--steps", "4", "--resume", "--out", out, "--threads", "1");
        assertThat(resumed.rc()).as(resumed.err()).isZero();
        assertThat(Files.readString(run.resolve("step-00000004").resolve("config.json"))).contains("\"precision\" : \"bf16\"");
        Result switched = cli("train", "--steps", "6", "--resume", "--out", out, "--threads", "1", "--precision", "fp32");
        assertThat(switched.rc()).isNotZero();
        assertThat(switched.err()).contains("precision bf16 → fp32").contains("--allow-config-change");
    }
}
