#include "engine/contributor_table.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace anml::engine {
namespace {

class ContributorTableTest : public ::testing::Test {
 protected:
  ContributorTableTest() { prototype_.gradient_sum.assign(16, 0.0); }

  // Resident slots from least to most recently used.
  std::vector<uint32_t> LruOrder() const {
    std::vector<uint32_t> order;
    for (uint32_t slot = table_.LeastRecentlyUsed(); slot != ContributorTable::kNoSlot;
         slot = table_.MoreRecentlyUsed(slot)) {
      order.push_back(slot);
    }
    return order;
  }

  ContributorStats prototype_;
  ContributorTable table_;
};

TEST_F(ContributorTableTest, InternCreatesOnceAndReturnsTheSameSlot) {
  uint32_t alice = table_.Intern("alice", prototype_);
  uint32_t bob = table_.Intern("bob", prototype_);
  EXPECT_NE(alice, bob);
  table_.stats(alice).samples = 7;
  EXPECT_EQ(table_.Intern("alice", prototype_), alice);
  EXPECT_EQ(table_.stats(alice).samples, 7u);  // Not reset by the second Intern.
  EXPECT_EQ(table_.size(), 2u);
  EXPECT_EQ(table_.id(alice), "alice");
  EXPECT_EQ(table_.Find("alice"), alice);
  EXPECT_EQ(table_.Find("carol"), std::nullopt);
}

TEST_F(ContributorTableTest, InternedRecordsAreDirtyAndAdoptedOnesClean) {
  uint32_t fresh = table_.Intern("fresh", prototype_);
  ContributorStats stored = prototype_;
  stored.samples = 42;
  uint32_t adopted = table_.Adopt("stored", stored);
  EXPECT_TRUE(table_.dirty(fresh));
  EXPECT_FALSE(table_.dirty(adopted));
  EXPECT_EQ(table_.stats(adopted), stored);
  EXPECT_EQ(table_.dirty_slots(), std::vector<uint32_t>{fresh});
}

TEST_F(ContributorTableTest, DirtySlotsKeepFirstDirtyOrderAndClearDirtyEmptiesThem) {
  uint32_t a = table_.Adopt("a", prototype_);
  uint32_t b = table_.Adopt("b", prototype_);
  uint32_t c = table_.Adopt("c", prototype_);
  table_.MarkDirty(c);
  table_.MarkDirty(a);
  table_.MarkDirty(c);  // Already dirty: not listed twice.
  EXPECT_EQ(table_.dirty_slots(), (std::vector<uint32_t>{c, a}));
  EXPECT_FALSE(table_.dirty(b));

  table_.ClearDirty();
  EXPECT_TRUE(table_.dirty_slots().empty());
  EXPECT_FALSE(table_.dirty(a));
  EXPECT_FALSE(table_.dirty(c));
  table_.MarkDirty(a);  // Can become dirty again after a commit.
  EXPECT_EQ(table_.dirty_slots(), std::vector<uint32_t>{a});
}

TEST_F(ContributorTableTest, TouchAndInternMoveARecordToTheMostRecentEnd) {
  uint32_t a = table_.Intern("a", prototype_);
  uint32_t b = table_.Intern("b", prototype_);
  uint32_t c = table_.Intern("c", prototype_);
  EXPECT_EQ(LruOrder(), (std::vector<uint32_t>{a, b, c}));
  table_.Touch(a);
  EXPECT_EQ(LruOrder(), (std::vector<uint32_t>{b, c, a}));
  table_.Touch(a);  // Already the newest: no change.
  EXPECT_EQ(LruOrder(), (std::vector<uint32_t>{b, c, a}));
  table_.Touch(c);
  EXPECT_EQ(LruOrder(), (std::vector<uint32_t>{b, a, c}));
  table_.Intern("b", prototype_);
  EXPECT_EQ(LruOrder(), (std::vector<uint32_t>{a, c, b}));
  EXPECT_EQ(table_.LeastRecentlyUsed(), a);
}

TEST_F(ContributorTableTest, EvictFreesTheSlotForReuse) {
  uint32_t a = table_.Intern("a", prototype_);
  uint32_t b = table_.Intern("b", prototype_);
  uint32_t c = table_.Intern("c", prototype_);
  table_.ClearDirty();

  table_.Evict(b);
  EXPECT_FALSE(table_.resident(b));
  EXPECT_EQ(table_.Find("b"), std::nullopt);
  EXPECT_EQ(table_.size(), 2u);
  EXPECT_EQ(LruOrder(), (std::vector<uint32_t>{a, c}));

  uint32_t d = table_.Intern("d", prototype_);
  EXPECT_EQ(d, b);  // The freed slot is reused.
  EXPECT_EQ(table_.id(d), "d");
  EXPECT_EQ(table_.stats(d), prototype_);
  EXPECT_TRUE(table_.dirty(d));
  EXPECT_EQ(LruOrder(), (std::vector<uint32_t>{a, c, d}));

  std::vector<uint32_t> visited;
  table_.ForEach([&](uint32_t slot) { visited.push_back(slot); });
  EXPECT_EQ(visited, (std::vector<uint32_t>{a, b, c}));
}

TEST_F(ContributorTableTest, EvictingTheOnlyRecordEmptiesTheLruList) {
  uint32_t a = table_.Adopt("a", prototype_);
  table_.Evict(a);
  EXPECT_EQ(table_.LeastRecentlyUsed(), ContributorTable::kNoSlot);
  EXPECT_EQ(table_.size(), 0u);
  uint32_t b = table_.Adopt("b", prototype_);
  EXPECT_EQ(LruOrder(), std::vector<uint32_t>{b});
}

TEST_F(ContributorTableTest, ApproximateBytesGrowWithRecordsAndShrinkOnEviction) {
  EXPECT_EQ(table_.approximate_bytes(), 0u);
  uint32_t a = table_.Adopt("a", prototype_);
  const size_t one = table_.approximate_bytes();
  EXPECT_GE(one, sizeof(ContributorStats) + 16 * sizeof(double));

  const std::string long_id(200, 'x');
  uint32_t b = table_.Adopt(long_id, prototype_);
  const size_t two = table_.approximate_bytes();
  // The long id's buffer is counted too, beyond the short one's 15 inline
  // bytes.
  EXPECT_GE(two, 2 * one + 200 - 15);

  table_.Evict(b);
  EXPECT_EQ(table_.approximate_bytes(), one);
  table_.Evict(a);
  EXPECT_EQ(table_.approximate_bytes(), 0u);
}

// Seeded interns and evictions of ids drawn from a small population, so
// probe runs collide, wrap around and are shifted back on every eviction,
// checked after each operation against a std::map of what is resident.
TEST_F(ContributorTableTest, IndexAgreesWithAReferenceMapThroughGrowthAndEviction) {
  std::mt19937_64 random(3);
  std::map<std::string, uint32_t> resident;
  for (int step = 0; step < 20000; ++step) {
    const std::string id = "c-" + std::to_string(random() % 700);
    auto found = resident.find(id);
    if (found != resident.end() && random() % 2 == 0) {
      table_.ClearDirty();
      table_.Evict(found->second);
      resident.erase(found);
    } else {
      const uint32_t slot = table_.Intern(id, prototype_);
      if (found != resident.end()) {
        ASSERT_EQ(slot, found->second) << id;
      }
      resident[id] = slot;
    }
    ASSERT_EQ(table_.size(), resident.size());
    if (step % 97 == 0) {
      for (int probe = 0; probe < 700; ++probe) {
        const std::string other = "c-" + std::to_string(probe);
        auto expected = resident.find(other);
        ASSERT_EQ(table_.Find(other), expected == resident.end()
                                          ? std::nullopt
                                          : std::optional<uint32_t>(expected->second))
            << other << " at step " << step;
      }
    }
  }
  EXPECT_GT(resident.size(), 100u);
}

}  // namespace
}  // namespace anml::engine
