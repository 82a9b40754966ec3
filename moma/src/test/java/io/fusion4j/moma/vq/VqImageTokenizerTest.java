package io.fusion4j.moma.vq;

import io.fusion4j.moma.CpuBackendTest;

import io.fusion4j.api.data.Image;
import io.fusion4j.api.io.SafetensorsException;
import io.fusion4j.api.io.SafetensorsWriter;
import io.fusion4j.api.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The codec seam and the files: geometry, determinism, batched equals single, save and load, clear errors. */
class VqImageTokenizerTest extends CpuBackendTest {
    private static final VqConfig SMALL = new VqConfig(3, 16, 4, List.of(4, 8, 8), 4, 32, 0.25f, 0.99f, 0.03f, 1e-5f);

    static List<Image> images(int n, long seed) {
        Random r = new Random(seed);
        List<Image> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] p = new float[3 * 16 * 16];
            for (int j = 0; j < p.length; j++) {
                p[j] = r.nextFloat();
            }
            out.add(new Image(3, 16, 16, p));
        }
        return out;
    }

    @Test
    void encodesDeterministicallyInRasterGridsAndBatchesAgreeWithSingleImages() {
        VqImageTokenizer tok = new VqImageTokenizer(new VqAutoencoder(SMALL).allocate(be, 9), be);
        assertThat(tok.tokensPerImage()).isEqualTo(16);
        assertThat(tok.codebookSize()).isEqualTo(32);
        List<Image> ims = images(70, 1); // more than one chunk of 64
        int[][] all = tok.encodeAll(ims);
        assertThat(all).hasNumberOfRows(70);
        for (int i : new int[]{0, 63, 64, 69}) {
            assertThat(tok.encode(ims.get(i)).codes()).as("image " + i).containsExactly(all[i]);
        }
        assertThat(tok.encodeAll(ims)).isDeepEqualTo(all);
        Image drawn = tok.decode(all[0]);
        assertThat(drawn.channels()).isEqualTo(3);
        assertThat(drawn.height()).isEqualTo(16);
    }

    @Test
    void decodeRefusesAWrongCountOrACodeOutsideTheCodebook() {
        VqImageTokenizer tok = new VqImageTokenizer(new VqAutoencoder(SMALL).allocate(be, 9), be);
        assertThatThrownBy(() -> tok.decode(new int[15])).hasMessageContaining("15 codes, expected 16");
        int[] bad = new int[16];
        bad[3] = 32;
        assertThatThrownBy(() -> tok.decode(bad)).hasMessageContaining("code 3 is 32").hasMessageContaining("[0, 32)");
        assertThatThrownBy(() -> tok.encode(new Image(1, 16, 16, new float[256])))
                .hasMessageContaining("1x16x16").hasMessageContaining("3x16x16");
    }

    @Test
    void aSavedTokenizerLoadsBackWithTheSameCodesAndPictures(@TempDir Path dir) throws Exception {
        VqImageTokenizer tok = new VqImageTokenizer(new VqAutoencoder(SMALL).allocate(be, 4), be);
        tok.save(dir);
        VqImageTokenizer back = VqImageTokenizer.load(dir, be);
        assertThat(back.config()).isEqualTo(SMALL);
        List<Image> ims = images(5, 2);
        int[][] codes = tok.encodeAll(ims);
        assertThat(back.encodeAll(ims)).isDeepEqualTo(codes);
        assertThat(back.decode(codes[1]).pixels()).containsExactly(tok.decode(codes[1]).pixels());
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList())
                .containsExactlyInAnyOrder(VqTokenizerFiles.CONFIG, VqTokenizerFiles.WEIGHTS);
    }

    @Test
    void loadNamesTheFileAndTensorWhenAShapeDoesNotFitTheConfig(@TempDir Path dir) throws Exception {
        new VqImageTokenizer(new VqAutoencoder(SMALL).allocate(be, 4), be).save(dir);
        // A config with another codebook size against the saved weights.
        Files.writeString(dir.resolve(VqTokenizerFiles.CONFIG), SMALL.withCodes(64).toJson());
        assertThatThrownBy(() -> VqImageTokenizer.load(dir, be)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(VqTokenizerFiles.WEIGHTS).hasMessageContaining("quantizer.codebook")
                .hasMessageContaining("[64, 4]");
        new SafetensorsWriter().addF32("x", Shape.of(1), new float[1]).write(dir.resolve(VqTokenizerFiles.WEIGHTS));
        assertThatThrownBy(() -> VqImageTokenizer.load(dir, be)).hasMessageContaining("no tensor 'encoder.conv_in.weight'");
        Files.delete(dir.resolve(VqTokenizerFiles.CONFIG));
        assertThatThrownBy(() -> VqImageTokenizer.load(dir, be)).hasMessageContaining(VqTokenizerFiles.CONFIG)
                .hasMessageContaining("no such file");
    }

    @Test
    void configRoundTripsThroughItsJsonAndRefusesBadGeometry() {
        VqConfig d = VqConfig.defaults();
        assertThat(VqConfig.fromJson(d.toJson(), "t.json")).isEqualTo(d);
        assertThat(d.tokensPerImage()).isEqualTo(64);
        assertThatThrownBy(() -> new VqConfig(3, 32, 3, List.of(1, 2), 4, 16, 0.25f, 0.99f, 0f, 1e-5f))
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> new VqConfig(3, 32, 4, List.of(8, 8), 4, 16, 0.25f, 0.99f, 0f, 1e-5f))
                .hasMessageContaining("needs 3 entries");
        assertThatThrownBy(() -> VqConfig.fromJson("{\"kind\": \"vae\"}", "t.json")).hasMessageContaining("t.json")
                .hasMessageContaining("\"vq\"");
    }
}
