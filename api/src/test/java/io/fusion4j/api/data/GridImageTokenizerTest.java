package io.fusion4j.api.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GridImageTokenizerTest {
    @Test
    void imagesAreValidated() {
        assertThatThrownBy(() -> new Image(1, 2, 2, new float[3])).hasMessageContaining("needs 4 pixels, found 3");
        assertThatThrownBy(() -> new Image(1, 1, 2, new float[]{0, Float.NaN})).hasMessageContaining("pixel 1 is NaN");
        assertThatThrownBy(() -> new Image(1, 1, 2, new float[]{0, 1.5f})).hasMessageContaining("pixel 1 is 1.5");
        assertThatThrownBy(() -> new Image(0, 1, 1, new float[0])).hasMessageContaining(">= 1");
        assertThat(new Image(2, 1, 2, new float[]{0, .1f, .2f, .3f}).at(1, 0, 1)).isEqualTo(.3f);
    }

    @Test
    void discreteCodesQuantiseTheMeanOfEachCellPerChannel() {
        // 2 channels, 2x4, cells of 2: two cells. Channel 0 means .1 and .9; channel 1 means .6 and .3.
        float[] px = {
                .1f, .1f, .9f, .9f,
                .1f, .1f, .9f, .9f,
                .5f, .7f, .3f, .3f,
                .7f, .5f, .3f, .3f};
        GridImageTokenizer t = GridImageTokenizer.discrete(2, 4);
        ImageTokens.Discrete d = (ImageTokens.Discrete) t.encode(new Image(2, 2, 4, px));
        // code = q0 + 4·q1 with q = floor(mean·4): cell 0: 0 + 4·2 = 8; cell 1: 3 + 4·1 = 7.
        assertThat(d.codes()).containsExactly(8, 7);
        assertThat(t.codebookSize(2)).isEqualTo(16);
        ImageTokens.Discrete white = (ImageTokens.Discrete) t.encode(new Image(1, 2, 2, new float[]{1, 1, 1, 1}));
        assertThat(white.codes()).containsExactly(3); // 1.0 quantises to the top level, not past it
    }

    @Test
    void continuousPatchesAreTheFlattenedCellsInRasterOrder() {
        float[] px = new float[2 * 2 * 4];
        for (int i = 0; i < px.length; i++) {
            px[i] = i / 16f;
        }
        ImageTokens.Continuous c = (ImageTokens.Continuous) GridImageTokenizer.continuous(2)
                .encode(new Image(2, 2, 4, px));
        assertThat(c.count()).isEqualTo(2);
        assertThat(c.width()).isEqualTo(8);
        // cell 0: channel 0 rows 0-1 cols 0-1, then channel 1 likewise; cell 1: cols 2-3.
        float[] e = {0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15};
        for (int i = 0; i < e.length; i++) {
            e[i] /= 16f;
        }
        assertThat(c.patches()).containsExactly(e);
    }

    @Test
    void aGridThatDoesNotDivideTheImageIsRefused() {
        assertThatThrownBy(() -> GridImageTokenizer.continuous(3).encode(new Image(1, 4, 4, new float[16])))
                .hasMessageContaining("does not divide into 3x3 cells");
        assertThatThrownBy(() -> GridImageTokenizer.continuous(1).codebookSize(1)).hasMessageContaining("no codebook");
    }

    @Test
    void imageTokensAreValidated() {
        assertThatThrownBy(() -> new ImageTokens.Discrete(new int[0])).hasMessageContaining("at least one code");
        assertThatThrownBy(() -> new ImageTokens.Discrete(new int[]{1, -2})).hasMessageContaining("code 1 is -2");
        assertThatThrownBy(() -> new ImageTokens.Continuous(new float[3], 2, 2)).hasMessageContaining("need 4 floats");
        assertThatThrownBy(() -> new ImageTokens.Continuous(new float[]{Float.POSITIVE_INFINITY}, 1, 1))
                .hasMessageContaining("patch value 0 is Infinity");
    }

    @Test
    void theCodecDrawsEachCellInItsBinCentreSoEncodingADrawingGivesTheCodesBack() {
        DiscreteImageCodec codec = GridImageTokenizer.discrete(2, 4).codec(2, 4);
        assertThat(codec.codebookSize()).isEqualTo(16);
        assertThat(codec.tokensPerImage()).isEqualTo(4);
        int[] codes = {8, 7, 0, 15};
        Image drawn = codec.decode(codes);
        // code 8 = q0 0 + 4·q1 2: channel 0 at (0 + .5)/4, channel 1 at (2 + .5)/4, over the top-left 2x2 cell.
        assertThat(drawn.at(0, 1, 1)).isEqualTo(.125f);
        assertThat(drawn.at(1, 0, 0)).isEqualTo(.625f);
        // code 15: both channels at the top bin's centre, bottom-right cell.
        assertThat(drawn.at(0, 3, 3)).isEqualTo(.875f);
        assertThat(drawn.at(1, 2, 2)).isEqualTo(.875f);
        assertThat(codec.encode(drawn).codes()).containsExactly(codes);
        assertThatThrownBy(() -> codec.decode(new int[]{1, 2, 3})).hasMessageContaining("takes 4 codes, found 3");
        assertThatThrownBy(() -> codec.decode(new int[]{1, 2, 3, 16})).hasMessageContaining("code 3 is 16");
        assertThatThrownBy(() -> codec.encode(new Image(1, 4, 4, new float[16])))
                .hasMessageContaining("encodes 2x4x4 images, found 1x4x4");
        assertThatThrownBy(() -> GridImageTokenizer.discrete(2, 4).codec(1, 5)).hasMessageContaining("side=5");
        assertThatThrownBy(() -> GridImageTokenizer.continuous(2).codec(1, 4)).hasMessageContaining("no codes");
    }
}
