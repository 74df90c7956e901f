package load

// fifo is a queue of times (ns since the run's epoch) on a ring that grows
// as needed and never shrinks: after the first messages, no allocation.
type fifo struct {
	buf        []int64
	head, size int
}

func (q *fifo) len() int { return q.size }

func (q *fifo) push(t int64) {
	if q.size == len(q.buf) {
		grown := make([]int64, max(8, 2*len(q.buf)))
		for i := range q.size {
			grown[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.size)%len(q.buf)] = t
	q.size++
}

// pop removes and returns the oldest time; the queue must not be empty.
func (q *fifo) pop() int64 {
	t := q.buf[q.head]
	q.head = (q.head + 1) % len(q.buf)
	q.size--
	return t
}

func (q *fifo) clear() { q.head, q.size = 0, 0 }
