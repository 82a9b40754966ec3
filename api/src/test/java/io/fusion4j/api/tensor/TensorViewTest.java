package io.fusion4j.api.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorViewTest {
    private record FakeStorage(DType dtype, long capacity) implements Storage {
        @Override
        public String backendName() {
            return "fake";
        }
    }

    @Test
    void slicesReshapesAndTransposesShareStorageAndTrackOffsets() {
        Tensor t = new Tensor(new FakeStorage(DType.F32, 100), 10, Shape.of(3, 4, 5), false, null, 0);
        Tensor s = t.slice(1, 3);
        assertThat(s.offset()).isEqualTo(30);
        assertThat(s.shape()).isEqualTo(Shape.of(2, 4, 5));
        assertThat(t.select(2).offset()).isEqualTo(50);
        assertThat(t.reshape(12, 5).shape().rows()).isEqualTo(12);
        Tensor tr = t.t();
        assertThat(tr.shape()).isEqualTo(Shape.of(3, 5, 4));
        assertThat(tr.isTransposed()).isTrue();
        assertThat(tr.t().isTransposed()).isFalse();
        assertThatThrownBy(() -> tr.reshape(60)).hasMessageContaining("transposed");
        assertThatThrownBy(() -> t.slice(2, 4)).hasMessageContaining("[2, 4)");
        assertThatThrownBy(() -> new Tensor(new FakeStorage(DType.F32, 10), 5, Shape.of(6), false, null, 0))
                .hasMessageContaining("does not fit");
    }

    @Test
    void shapeArithmeticAndErrors() {
        assertThat(Shape.of(2, 3, 4).numel()).isEqualTo(24);
        assertThat(Shape.of(2, 3, 4).rows()).isEqualTo(6);
        assertThat(Shape.of(7).rows()).isEqualTo(1);
        assertThat(Shape.of().numel()).isEqualTo(1);
        assertThat(Shape.of(3, 0).numel()).isZero();
        assertThatThrownBy(() -> Shape.of(2, -1)).hasMessageContaining("negative");
        assertThatThrownBy(() -> Shape.of(Long.MAX_VALUE, 2)).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void bf16ConversionRoundsToNearestEvenAndKeepsSpecials() {
        assertThat(DType.fromBf16(DType.toBf16(1.00390625f))).isEqualTo(1f);
        assertThat(DType.fromBf16(DType.toBf16(1.01171875f))).isEqualTo(1.015625f);
        assertThat(DType.fromBf16(DType.toBf16(Float.POSITIVE_INFINITY))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(DType.fromBf16(DType.toBf16(Float.NaN))).isNaN();
        assertThat(DType.fromSafetensorsName("BF16")).isEqualTo(DType.BF16);
        assertThatThrownBy(() -> DType.fromSafetensorsName("F16")).hasMessageContaining("\"F16\"");
    }
}
