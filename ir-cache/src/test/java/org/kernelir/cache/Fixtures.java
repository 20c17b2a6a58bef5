package org.kernelir.cache;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.kernelir.core.dtype.DType;
import org.kernelir.core.graph.Graph;
import org.kernelir.core.meta.TensorMeta;
import org.kernelir.core.provider.ProviderIdentity;
import org.kernelir.core.shape.Dim;
import org.kernelir.core.tensor.Tensor;
import org.kernelir.core.trace.Tracer;
import org.slf4j.LoggerFactory;

/** Keys, traced graphs and log capture shared by the cache tests. */
final class Fixtures {

    static final ProviderIdentity CPU = provider("cpu", "c0ffee");
    static final ProviderIdentity CUDA = provider("cuda", "decade");

    private Fixtures() {
    }

    static ProviderIdentity provider(String name, String fingerprint) {
        return new ProviderIdentity(name, ProviderIdentity.Source.CLASSPATH, "", "", "/somewhere/" + name + ".jar",
                fingerprint);
    }

    static TensorMeta meta(Object... dims) {
        List<Dim> shape = new ArrayList<>();
        for (Object d : dims) {
            shape.add(d instanceof String s ? Dim.sym(s) : Dim.of(((Number) d).longValue()));
        }
        return TensorMeta.of(DType.F32, shape);
    }

    /** The key of {@code x * 2.0 + residual} by {@code provider} with {@code x, residual: [s, hidden]}. */
    static ReplacementKey key(ProviderIdentity provider, long hidden) {
        return key("fused_add", provider, List.of(meta("s", hidden), meta("s", hidden)));
    }

    static ReplacementKey key(String op, ProviderIdentity provider, List<Object> args) {
        return new ReplacementKey(op, "default", provider, ArgSignature.of(args), ReplacementKey.FORMAT_VERSION);
    }

    /**
     * What a provider's trace gives for {@code key}: over the canonical args' tensors, {@code x.mul(2.0).add(y)}
     * for the first two when they
     * have one shape and device, then {@code t.mul(2.0).add(t)} for each further one.
     */
    static Graph trace(ReplacementKey key) {
        List<Tracer.Input> inputs = new ArrayList<>();
        for (Object a : key.signature().canonicalArgs()) {
            if (a instanceof TensorMeta m) {
                inputs.add(Tracer.input("a" + inputs.size(), m));
            }
        }
        return Tracer.trace(key.op(), inputs, in -> {
            List<Tensor> out = new ArrayList<>();
            int i = 0;
            if (in.size() >= 2 && in.get(0).shape().equals(in.get(1).shape())
                    && in.get(0).meta().device().equals(in.get(1).meta().device())) {
                out.add(in.get(0).mul(2.0).add(in.get(1)));
                i = 2;
            }
            for (; i < in.size(); i++) {
                out.add(in.get(i).mul(2.0).add(in.get(i)));
            }
            return out;
        });
    }

    /** Captures what the cache logs at WARN and above; close it to stop. */
    static final class Warnings implements AutoCloseable {
        private final Logger logger = (Logger) LoggerFactory.getLogger("org.kernelir.cache");
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

        Warnings() {
            appender.start();
            logger.addAppender(appender);
        }

        List<String> messages() {
            return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }

        @Override
        public void close() {
            logger.detachAppender(appender);
        }
    }
}
