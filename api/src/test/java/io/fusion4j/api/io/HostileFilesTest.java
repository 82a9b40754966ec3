package io.fusion4j.api.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files written to crash a parser get a named error instead. */
class HostileFilesTest {
    @TempDir
    Path dir;

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() {
        String deep = "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertThatThrownBy(() -> HeaderJson.parseObject(deep, 0, "manifest.json"))
                .isInstanceOf(SafetensorsException.class)
                .hasMessage("manifest.json at byte " + (5 + HeaderJson.MAX_DEPTH - 1) + ": nested deeper than "
                        + HeaderJson.MAX_DEPTH + " levels");
        String ok = "{\"a\":" + "[".repeat(HeaderJson.MAX_DEPTH - 1) + "]".repeat(HeaderJson.MAX_DEPTH - 1) + "}";
        assertThat(HeaderJson.parseObject(ok, 0, "x")).containsKey("a");
    }

    @Test
    void binaryHugeAndMissingTextFilesAreNamed() throws Exception {
        Path bin = dir.resolve("trainer_state.json");
        Files.write(bin, new byte[]{'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
        assertThatThrownBy(() -> BoundedText.read(bin, 100))
                .hasMessage(bin + ": not UTF-8 text (an invalid byte sequence at byte 2)");
        Path big = dir.resolve("manifest.json");
        Files.write(big, new byte[2000]);
        assertThatThrownBy(() -> BoundedText.read(big, 1000))
                .hasMessage(big + ": 2000 bytes, more than the 1000 such a file may have");
        assertThatThrownBy(() -> BoundedText.read(dir, 1000)).hasMessage(dir + ": not a regular file");
        assertThatThrownBy(() -> BoundedText.read(dir.resolve("nope"), 1000)).hasMessage(dir.resolve("nope")
                + ": no such file");
    }

    @Test
    void aTrainerStateWithWrongFieldsNamesItsFile() {
        assertThatThrownBy(() -> TrainerState.fromJson("{\"step\":\"x\"}", "run/step-1/trainer_state.json"))
                .hasMessageStartingWith("run/step-1/trainer_state.json: trainer state needs step, epoch");
        assertThatThrownBy(() -> TrainerState.fromJson("{\"step\":99999999999999999999}", "t.json"))
                .hasMessage("t.json at byte 8: integer out of range");
    }
}
