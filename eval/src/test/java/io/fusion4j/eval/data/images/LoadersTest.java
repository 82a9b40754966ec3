package io.fusion4j.eval.data.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.data.Image;
import io.fusion4j.eval.image.Png;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** The loaders over small packages laid out like the real ones (no network). */
class LoadersTest {
    @TempDir
    Path dir;

    @Test
    void mnistSplitsEachDigitAndCaptionsItsLabel() throws Exception {
        Path pkg = Files.createDirectories(dir.resolve("mnist/src/digits"));
        for (int d = 0; d < 10; d++) {
            StringBuilder b = new StringBuilder("{ \"data\": [");
            for (int k = 0; k < 20; k++) { // 20 examples of digit d; example k's pixels are all (d*20+k)/200
                for (int i = 0; i < 784; i++) {
                    b.append(k == 0 && i == 0 ? "" : ",").append((d * 20 + k) / 200.0);
                }
            }
            Files.writeString(pkg.resolve(d + ".json"), b.append("] }").toString());
        }
        MnistImages m = MnistImages.read(dir.resolve("mnist"), false);
        assertThat(m.size(ImageTextDataset.Split.TRAIN)).isEqualTo(180);
        assertThat(m.size(ImageTextDataset.Split.VALIDATION)).isEqualTo(20);
        Set<Float> seen = new HashSet<>();
        for (ImageTextDataset.Split s : ImageTextDataset.Split.values()) {
            for (int i = 0; i < m.size(s); i++) {
                ImageTextDataset.Sample x = m.get(s, i);
                int d = Integer.parseInt(x.label());
                assertThat(d).isEqualTo(i % 10); // interleaved
                float v = x.image().at(0, 13, 13);
                assertThat((int) Math.floor(v * 200 / 20 + 1e-4)).isEqualTo(d);
                assertThat(seen.add(v)).as("each example in one split only").isTrue();
                assertThat(x.captions()).contains("the digit " + d);
            }
        }
        assertThat(m.get(ImageTextDataset.Split.TRAIN, 7).captions().getFirst()).isEqualTo("a handwritten seven");
        assertThat(MnistImages.read(dir.resolve("mnist"), true).get(ImageTextDataset.Split.TRAIN, 0).image().channels())
                .isEqualTo(3);
        Files.writeString(pkg.resolve("3.json"), "{ \"data\": [1, 2] }");
        assertThatThrownBy(() -> MnistImages.read(dir.resolve("mnist"), false))
                .hasMessageContaining("3.json: expected {\"data\": [...]} with a multiple of 784 values, found 2 values");
    }

    @Test
    void emojiTakeTheirCaptionsFromTheirNamesAndShowTransparencyAsWhite() throws Exception {
        Path pkg = Files.createDirectories(dir.resolve("emoji"));
        Path img = Files.createDirectories(pkg.resolve("img/twitter/64"));
        Files.write(img.resolve("1f600.png"), Png.encode(new Image(3, 2, 2, new float[]{1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
                0, 0})));
        Files.writeString(pkg.resolve("emoji.json"), """
                [ {"name": "GRINNING FACE", "short_name": "grinning", "short_names": ["grinning"], "image": "1f600.png",
                   "has_img_twitter": true, "category": "Smileys & Emotion"},
                  {"name": "NO IMAGE", "short_name": "none", "short_names": ["none"], "image": "x.png",
                   "has_img_twitter": false},
                  {"name": "MISSING FILE", "short_name": "gone", "short_names": ["gone"], "image": "gone.png",
                   "has_img_twitter": true} ]
                """);
        EmojiImages e = EmojiImages.read(pkg);
        assertThat(e.size(ImageTextDataset.Split.TRAIN)).isEqualTo(1);
        ImageTextDataset.Sample s = e.get(ImageTextDataset.Split.TRAIN, 0);
        assertThat(s.captions()).containsExactly("grinning face", "an emoji of a grinning face", "grinning");
        assertThat(s.image().at(0, 0, 0)).isEqualTo(1f);
        assertThat(s.label()).isEqualTo("Smileys & Emotion");
        assertThat(e.attribution()).contains("CC-BY 4.0");
        assertThatThrownBy(() -> EmojiImages.read(pkg, 48)).hasMessageContaining("emoji: images are 64, 32 or 16"
                + " pixels, found 48");
    }

    @Test
    void emojiAreShrunkByAveragingBlocks() {
        float[] px = new float[4 * 4];
        for (int i = 0; i < px.length; i++) {
            px[i] = i / 16f;
        }
        // The top-left block is 0, 1, 4 and 5 sixteenths.
        assertThat(EmojiImages.shrunk(new Image(1, 4, 4, px), 2).pixels()).containsExactly(2.5f / 16, 4.5f / 16,
                10.5f / 16, 12.5f / 16);
        assertThatThrownBy(() -> EmojiImages.shrunk(new Image(1, 4, 4, px), 3)).hasMessageContaining(
                "a 4x4 image cannot be shrunk to 3x3");
    }

    @Test
    void aFolderOfPngsWithCaptionsIsADataset() throws Exception {
        Path f = Files.createDirectories(dir.resolve("mine"));
        for (int i = 0; i < 12; i++) {
            float[] px = new float[4];
            java.util.Arrays.fill(px, i / 20f);
            Files.write(f.resolve("p" + i + ".png"), Png.encode(new Image(1, 2, 2, px)));
        }
        StringBuilder caps = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            caps.append("p").append(i).append(".png\tpicture ").append(i).append('\n');
        }
        caps.append("p0.png\tthe first picture\n");
        Files.writeString(f.resolve(FolderImages.CAPTIONS), caps);
        FolderImages d = FolderImages.read(f, true);
        assertThat(d.size(ImageTextDataset.Split.TRAIN)).isEqualTo(11);
        assertThat(d.size(ImageTextDataset.Split.VALIDATION)).isEqualTo(1);
        assertThat(d.get(ImageTextDataset.Split.TRAIN, 0).captions()).containsExactly("picture 0", "the first picture");
        assertThat(d.get(ImageTextDataset.Split.VALIDATION, 0).captions()).containsExactly("picture 9");
        assertThat(d.get(ImageTextDataset.Split.TRAIN, 9).captions()).containsExactly("picture 10");
        assertThat(d.get(ImageTextDataset.Split.TRAIN, 0).image().channels()).isEqualTo(3);
        // A folder given as a relative path with dots works the same.
        Path dotted = Path.of("").toAbsolutePath().relativize(f.toAbsolutePath()).resolve(".");
        assertThat(FolderImages.read(dotted, false).size(ImageTextDataset.Split.TRAIN)).isEqualTo(11);
        Files.writeString(f.resolve(FolderImages.CAPTIONS), "nope.png\tx\n");
        assertThatThrownBy(() -> FolderImages.read(f, false)).hasMessageContaining("line 1: no image nope.png");
        Files.writeString(f.resolve(FolderImages.CAPTIONS), "../p0.png\tx\n");
        assertThatThrownBy(() -> FolderImages.read(f, false)).hasMessageContaining("line 1: no image ../p0.png");
    }
}
