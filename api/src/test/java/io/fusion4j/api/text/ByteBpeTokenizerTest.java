package io.fusion4j.api.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

class ByteBpeTokenizerTest {
    private static final String CORPUS = """
            The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.
            Tokenizers learn merges of frequent pairs: the the the, fox fox, 2024 2025 2026.
            Ünïcödé wörds and 中文字符 and emoji 🦊🐶 appear too, so bytes must round-trip.
            """.repeat(20);

    private static final ByteBpeTokenizer TOK = ByteBpeTokenizer.train(CORPUS, 200, List.of("<|eos|>"));

    /** Random strings of valid code points from several scripts, emoji and control characters. */
    @RepeatedTest(50)
    void anyValidTextRoundTripsExactly(RepetitionInfo info) {
        SplittableRandom r = new SplittableRandom(info.getCurrentRepetition());
        StringBuilder s = new StringBuilder();
        int[][] ranges = {{0x20, 0x7e}, {0x00, 0x1f}, {0xa0, 0x24f}, {0x4e00, 0x4fff}, {0x1f300, 0x1f6ff}, {0x10000, 0x10ffff}};
        for (int i = 0; i < r.nextInt(0, 80); i++) {
            int[] range = ranges[r.nextInt(ranges.length)];
            int cp = r.nextInt(range[0], range[1] + 1);
            if (cp >= 0xd800 && cp <= 0xdfff) {
                continue;
            }
            s.appendCodePoint(cp);
        }
        String text = s.toString();
        assertThat(TOK.decode(TOK.encode(text))).isEqualTo(text);
    }

    @Test
    void edgeCasesRoundTrip() {
        for (String t : new String[]{"", " ", "  ", "a", "\n\n", " the", "the  fox", "🦊", "x\u0000y", "ü"}) {
            assertThat(TOK.decode(TOK.encode(t))).as("'%s'", t).isEqualTo(t);
        }
    }

    @Test
    void trainingLearnsUsefulDeterministicMerges() {
        // The corpus repeats a few sentences: training stops once every repeated piece is one token.
        int merges = TOK.mergeCount();
        assertThat(merges).isBetween(100, 200);
        assertThat(TOK.vocabSize()).isEqualTo(256 + merges + 1);
        assertThat(TOK.specialId("<|eos|>")).isEqualTo(256 + merges);
        String line = "The quick brown fox jumps over the lazy dog.";
        int[] ids = TOK.encode(line);
        // Learned merges compress text of the training distribution well below one token per byte.
        assertThat(ids.length).isLessThan(line.length() / 3);
        ByteBpeTokenizer again = ByteBpeTokenizer.train(CORPUS, 200, List.of("<|eos|>"));
        assertThat(again.encode(CORPUS)).containsExactly(TOK.encode(CORPUS));
        assertThat(TOK.decode(new int[]{TOK.specialId("<|eos|>")})).isEmpty();
        assertThatThrownBy(() -> TOK.decode(new int[]{TOK.vocabSize()})).hasMessageContaining("outside the vocabulary");
        assertThatThrownBy(() -> TOK.specialId("<pad>")).hasMessageContaining("<pad>");
    }

    @Test
    void trainingStopsWhenNoPairRepeats() {
        ByteBpeTokenizer t = ByteBpeTokenizer.train("abcd", 50, List.of());
        assertThat(t.mergeCount()).isZero();
        assertThat(t.encode("abcd")).containsExactly('a', 'b', 'c', 'd');
    }

    @Test
    void saveAndLoadGiveTheSameTokenizer(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("tok.txt");
        TOK.save(p);
        ByteBpeTokenizer back = ByteBpeTokenizer.load(p);
        assertThat(back.vocabSize()).isEqualTo(TOK.vocabSize());
        assertThat(back.encode(CORPUS)).containsExactly(TOK.encode(CORPUS));
        List<String> lines = Files.readAllLines(p);
        lines.set(5, "999 3");
        Path bad = dir.resolve("bad.txt");
        Files.write(bad, lines);
        assertThatThrownBy(() -> ByteBpeTokenizer.load(bad)).hasMessageContaining("line 6")
                .hasMessageContaining("below 259");
        Files.writeString(bad, "hello\n");
        assertThatThrownBy(() -> ByteBpeTokenizer.load(bad)).hasMessageContaining("line 1");
    }
}
