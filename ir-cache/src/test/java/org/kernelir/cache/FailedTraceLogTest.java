package org.kernelir.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.kernelir.cache.Fixtures.CPU;
import static org.kernelir.cache.Fixtures.key;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * A trace that throws is reported by whoever called the cache (the lowering pass names the provider); no library
 * under the cache may log it with a stack trace, which a user of kir would see without asking for -v.
 */
class FailedTraceLogTest {

    @Test
    void aFailedTraceLogsNothingThroughCaffeine() {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(h);
        try {
            TieredReplacementCache cache = ReplacementCaches.builder().noDisk().build();
            ReplacementKey k = key(CPU, 4096);
            IllegalStateException boom = new IllegalStateException("the provider's trace failed");
            for (int i = 0; i < 3; i++) {
                IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> cache.getOrTrace(k,
                        () -> {
                            throw boom;
                        }));
                assertSame(boom, thrown);
            }
            cache.cleanUp();
        } finally {
            root.removeHandler(h);
        }
        assertEquals(List.of(), records.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
    }
}
