import DequeModule
import HeapModule

/// A queued slot: a job at its virtual deadline; `sequence` breaks ties FIFO. The entry
/// owns one retain of the job (taken in ``ReadyQueue/push(_:)``, given back when the
/// entry leaves the queue), so copying entries around costs no reference counting.
struct QueueEntry: Comparable {
    let deadline: UInt64
    let sequence: UInt64
    let job: Unmanaged<JobBase>

    @inline(__always)
    static func < (lhs: QueueEntry, rhs: QueueEntry) -> Bool {
        lhs.deadline != rhs.deadline ? lhs.deadline < rhs.deadline : lhs.sequence < rhs.sequence
    }

    static func == (lhs: QueueEntry, rhs: QueueEntry) -> Bool {
        lhs.deadline == rhs.deadline && lhs.sequence == rhs.sequence
    }

    /// Whether the entry's job is still pending (otherwise the entry is a tombstone).
    @inline(__always)
    var isLive: Bool { job._withUnsafeGuaranteedRef { $0.state == .pending } }
}

/// The pending tasks, ordered by (virtual deadline, sequence). Guarded by the core's
/// mutex.
///
/// - Fresh submissions go to one FIFO lane per priority. Within a lane, deadlines
///   (`submit time + offset[priority]`, submit times clamped to be non-decreasing)
///   never decrease, so the earliest entry overall is one of the five lane heads: push
///   and pop are O(1).
/// - Entries that cannot keep lane order go to a heap per concurrency class: jobs parked
///   because their class was at its limit when they reached the front, and coalesced
///   replacements that inherit an earlier position. Heap 0 (no class) is always
///   eligible; heap `c` only while class `c` is below its limit, so a blocked class never
///   blocks anything else.
/// - Cancelled or replaced jobs are not searched for: their entries stay as tombstones
///   (`job.state != .pending`), are skipped when they reach the front, and are compacted
///   away when they outnumber live entries. Keys are never modified in place.
///
/// The lanes and heaps live in buffers allocated once (not arrays), so that mutating one
/// does not first check the uniqueness of an outer array; ``deallocate()`` frees them.
struct ReadyQueue {
    static let laneCount = PoolPriority.allCases.count

    private let lanes: UnsafeMutableBufferPointer<Deque<QueueEntry>>
    private let heaps: UnsafeMutableBufferPointer<Heap<QueueEntry>>
    /// Live entries per heap (for the runnable estimate).
    let heapLive: UnsafeMutableBufferPointer<Int>
    /// Dead entries still stored.
    private(set) var tombstones = 0
    /// Bit `p` set: lane `p` is not empty.
    private var laneMask: UInt8 = 0
    /// Entries (live or dead) in all heaps together.
    private var heapEntries = 0

    init(classCount: Int) {
        lanes = .allocate(capacity: ReadyQueue.laneCount)
        lanes.initialize(repeating: Deque())
        heaps = .allocate(capacity: classCount)
        heaps.initialize(repeating: Heap())
        heapLive = .allocate(capacity: classCount)
        heapLive.initialize(repeating: 0)
    }

    /// Releases every entry and frees the buffers. The queue must not be used afterwards.
    mutating func deallocate() {
        removeAll()
        _ = lanes.deinitialize()
        lanes.deallocate()
        _ = heaps.deinitialize()
        heaps.deallocate()
        heapLive.deallocate()
    }

    /// Appends a fresh entry to its priority's lane (its deadline is not earlier than
    /// any in that lane). With `transferringRetain`, the caller hands over a retain it
    /// owns instead of the queue taking a new one.
    mutating func push(_ job: JobBase, transferringRetain: Bool = false) {
        let lane = job.priority.rawValue
        let reference: Unmanaged<JobBase> = transferringRetain ? .passUnretained(job) : .passRetained(job)
        lanes[lane].append(QueueEntry(deadline: job.deadline, sequence: job.sequence, job: reference))
        laneMask |= 1 << lane
    }

    /// Puts a job a worker took but gave back (see batches in `PoolCore`) in front of its
    /// lane. Its position is no later than any entry there: it was taken before them.
    /// Jobs given back together go back newest first.
    mutating func pushFront(_ job: JobBase) {
        let lane = job.priority.rawValue
        lanes[lane].prepend(QueueEntry(deadline: job.deadline, sequence: job.sequence, job: .passRetained(job)))
        laneMask |= 1 << lane
    }

    /// Inserts an entry whose position was inherited (earlier than its lane's tail).
    mutating func pushOutOfOrder(_ job: JobBase) {
        let index = job.classIndex
        heaps[index].insert(QueueEntry(deadline: job.deadline, sequence: job.sequence, job: .passRetained(job)))
        heapEntries += 1
        heapLive[index] += 1
        job.heapIndex = Int8(index)
    }

    /// Records that a pending job left (cancelled or replaced): its entry is now a
    /// tombstone.
    mutating func markDead(_ job: JobBase) {
        tombstones += 1
        if job.heapIndex >= 0 {
            heapLive[Int(job.heapIndex)] -= 1
            job.heapIndex = -1
        }
    }

    /// Removes and returns the job with the earliest (deadline, sequence) whose class is
    /// below its limit; parks jobs whose class is full and drops tombstones on the way.
    /// With `plainOnly`, returns nil (removing nothing more) when that job has options.
    mutating func popRunnable(classRunning: UnsafeMutableBufferPointer<Int>, classLimits: [Int],
                              plainOnly: Bool = false) -> JobBase? {
        while true {
            var best: QueueEntry?
            var bestLane = -1
            var bestHeap = -1
            var mask = laneMask
            while mask != 0 {
                let lane = mask.trailingZeroBitCount
                mask &= mask &- 1
                let head = lanes[lane].first.unsafelyUnwrapped
                if best == nil || head < best.unsafelyUnwrapped {
                    best = head
                    bestLane = lane
                }
            }
            if heapEntries > 0 {
                for index in heaps.indices where !heaps[index].isEmpty {
                    if index != 0 && classRunning[index] >= classLimits[index] { continue }
                    if let head = heaps[index].min, best == nil || head < best.unsafelyUnwrapped {
                        best = head
                        bestLane = -1
                        bestHeap = index
                    }
                }
            }
            guard let entry = best else { return nil }
            if plainOnly && entry.job._withUnsafeGuaranteedRef({ $0.state == .pending && $0.options != nil }) {
                return nil
            }
            if bestLane >= 0 {
                lanes[bestLane].removeFirst()
                if lanes[bestLane].isEmpty { laneMask &= ~(1 << bestLane) }
            } else {
                heaps[bestHeap].removeMin()
                heapEntries -= 1
            }
            if !entry.isLive {
                tombstones -= 1
                entry.job.release()
                continue
            }
            let classIndex = entry.job._withUnsafeGuaranteedRef { job -> Int in
                if job.heapIndex >= 0 {
                    heapLive[Int(job.heapIndex)] -= 1
                    job.heapIndex = -1
                }
                return job.classIndex
            }
            if classIndex != 0 && classRunning[classIndex] >= classLimits[classIndex] {
                heaps[classIndex].insert(entry)
                heapEntries += 1
                heapLive[classIndex] += 1
                entry.job._withUnsafeGuaranteedRef { $0.heapIndex = Int8(classIndex) }
                continue
            }
            return entry.job.takeRetainedValue()
        }
    }

    /// The live jobs, in queue order.
    func liveJobs() -> [JobBase] {
        var entries: [QueueEntry] = []
        for lane in lanes { entries.append(contentsOf: lane.lazy.filter(\.isLive)) }
        for heap in heaps { entries.append(contentsOf: heap.unordered.lazy.filter(\.isLive)) }
        entries.sort(by: <)
        return entries.map { $0.job.takeUnretainedValue() }
    }

    /// Drops every entry (all must be tombstones by now, or about to be discarded).
    mutating func removeAll() {
        for lane in lanes.indices {
            for entry in lanes[lane] { entry.job.release() }
            lanes[lane].removeAll(keepingCapacity: true)
        }
        for index in heaps.indices {
            for entry in heaps[index].unordered { entry.job.release() }
            heaps[index] = Heap()
            heapLive[index] = 0
        }
        laneMask = 0
        heapEntries = 0
        tombstones = 0
    }

    /// Removes tombstones once they outnumber live entries (and there are enough of them
    /// to be worth a pass). Order is preserved; no key changes.
    mutating func compactIfNeeded(livePending: Int) {
        guard tombstones > 1024 && tombstones > 2 * livePending else { return }
        if livePending == 0 {
            removeAll()
            return
        }
        for lane in lanes.indices {
            var kept = Deque<QueueEntry>(minimumCapacity: lanes[lane].count)
            for entry in lanes[lane] {
                if entry.isLive { kept.append(entry) } else { entry.job.release() }
            }
            lanes[lane] = kept
            if kept.isEmpty { laneMask &= ~(1 << lane) }
        }
        for index in heaps.indices where !heaps[index].isEmpty {
            var kept: [QueueEntry] = []
            for entry in heaps[index].unordered {
                if entry.isLive { kept.append(entry) } else { entry.job.release() }
            }
            heapEntries -= heaps[index].count - kept.count
            heaps[index] = Heap(kept)
        }
        tombstones = 0
    }
}
