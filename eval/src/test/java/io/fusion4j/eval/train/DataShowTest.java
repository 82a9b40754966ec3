package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.eval.image.Png;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** {@code data show shapes} writes a grid a person can look at, and the same bytes in a fresh JVM. */
class DataShowTest {
    @TempDir
    Path dir;

    @Test
    void theShapesGridIsTheSameInAFreshJvm() throws Exception {
        Path here = dir.resolve("here.png");
        CliRun.Result r = CliRun.run("data", "show", "shapes", "--n", "12", "--columns", "4", "--out", here.toString(),
                "--hold-out", "red/triangle");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote 12 shapes samples (val split) to " + here);
        var grid = Png.read(here);
        assertThat(grid.channels()).isEqualTo(3);
        assertThat(grid.width()).isGreaterThan(4 * 96);

        Path there = dir.resolve("there.png");
        Process p = new ProcessBuilder(ChildCli.command("data", "show", "shapes", "--n", "12", "--columns", "4", "--out",
                there.toString(), "--hold-out", "red/triangle")).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        assertThat(Files.readAllBytes(there)).isEqualTo(Files.readAllBytes(here));

        CliRun.Result bad = CliRun.run("data", "show", "shapes", "--hold-out", "pink/triangle", "--out", here.toString());
        assertThat(bad.rc()).isEqualTo(2);
        assertThat(bad.err()).contains("--hold-out: expected colour/shape").contains("found pink/triangle");
    }
}
