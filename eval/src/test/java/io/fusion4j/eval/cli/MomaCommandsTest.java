package io.fusion4j.eval.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.moma.MomaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code routers}, {@code model} and {@code bench train --kernel-times}, as a user runs them. */
class MomaCommandsTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void routersListsTheFourBuiltInsWithTypedOptionsAndDefaults() {
        assertThat(run("routers")).isZero();
        String s = out.toString();
        assertThat(s).contains("depth: ", "expert-choice: ", "modality: ", "token-choice: ")
                .contains("    capacity (number, default 1.0)")
                .contains("    scores (sigmoid|softmax, default sigmoid)")
                .contains("    textRouter (router, default expert-choice)")
                .contains("    k (integer, default 1)");
    }

    @Test
    void modelPrintsParametersAndFlopsAndMatchesTheModVariantToTheDenseFlops(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mod.json");
        assertThat(run("model", "--variant", "moma-4t4i,mod", "--preset", "moma-dense")).isZero();
        String s = out.toString();
        // moma-dense: 4·(4·128² + 3·128·384) + 128·1024 = 983,040 active weights; 4t4i adds 8 experts' FFNs.
        assertThat(s).containsPattern("moma-dense\\s+4\\s+[\\d,]+\\s+983,040\\s");
        Matcher m = Pattern.compile("mod\\s+(\\d+)\\s+[\\d,]+\\s+[\\d,]+\\s+[\\d.]+\\s+\\(([\\d.]+)× dense\\)").matcher(s);
        assertThat(m.find()).as(s).isTrue();
        int layers = Integer.parseInt(m.group(1));
        double ratio = Double.parseDouble(m.group(2));
        assertThat(layers).isGreaterThan(4);
        assertThat(Math.abs(ratio - 1)).isLessThan(0.05);
        assertThat(s).containsPattern("moma-4t4i\\s+4\\s+5,248,384\\s");

        assertThat(run("model", "--variant", "mod-moma-2t2i", "--write", file.toString())).isZero();
        RunConfig written = ConfigJson.read(file);
        MomaConfig c = (MomaConfig) written.model();
        assertThat(c.experts()).isEqualTo(4);
        assertThat(c.depth()).isNotNull();
        assertThat(c.base().layers()).isEqualTo(layers);
    }

    @Test
    void badVariantsAndOptionsAreOneLineErrors() {
        assertThat(run("model", "--variant", "moma-4x")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("fusion4j: variant: expected one of dense, moe-8x, moma-{m}t{n}i,"
                + " mod, mod-moma-{m}t{n}i, found moma-4x");
        err.getBuffer().setLength(0);
        assertThat(run("model", "--variant", "mod,dense", "--write", "x.json")).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("fusion4j: --write needs exactly one --variant, found 2");
        err.getBuffer().setLength(0);
        assertThat(run("bench", "train", "--config", "moe-ec", "--threads", "1")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("fusion4j: bench train --config: expected one of dense, moe_ec,"
                + " moma, mod, transfusion, tiny or a preset, found moe-ec");
    }

    @Test
    void kernelTimesSayWhereAStepGoes() {
        assertThat(run("bench", "train", "--config", "tiny", "--threads", "1", "--warmup", "2", "--steps", "2",
                "--kernel-times")).isZero();
        String s = out.toString();
        Matcher head = Pattern.compile("kernel times over 2 steps \\(([\\d.]+) ms a step; kernels ([\\d.]+)%, outside"
                + " kernels ([\\d.]+)%; heap in kernels ([\\d.]+) KB a step\\)").matcher(s);
        assertThat(head.find()).as(s).isTrue();
        double kernels = Double.parseDouble(head.group(2));
        assertThat(kernels + Double.parseDouble(head.group(3))).isCloseTo(100, org.assertj.core.data.Offset.offset(0.2));
        assertThat(kernels).isBetween(50.0, 100.0);
        // The GEMMs dominate a transformer step; each listed kernel has its share and calls per step.
        assertThat(s).containsPattern("\\n  gemm\\s+[\\d.]+ ms/step\\s+[\\d.]+%\\s+[\\d.]+ calls/step\\s+heap\\s+[\\d.]+ KB/step");
    }
}
