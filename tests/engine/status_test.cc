#include "engine/status.h"

#include <gtest/gtest.h>

namespace anml {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status status = InvalidArgument("offset 7: bad label");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.ToString(), "InvalidArgument: offset 7: bad label");
}

TEST(StatusTest, OnlyTransientCodesAreRetryable) {
  EXPECT_TRUE(Unavailable("broker down").IsRetryable());
  EXPECT_TRUE(DeadlineExceeded("timeout").IsRetryable());
  EXPECT_FALSE(InvalidArgument("x").IsRetryable());
  EXPECT_FALSE(DataLoss("x").IsRetryable());
}

TEST(StatusTest, WithContextPrefixesTheMessage) {
  EXPECT_EQ(NotFound("key c1").WithContext("state").message(), "state: key c1");
  EXPECT_TRUE(Status::Ok().WithContext("state").ok());
}

TEST(StatusOrTest, HoldsValueOrError) {
  StatusOr<int> value = 42;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 42);
  StatusOr<int> error = NotFound("missing");
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), StatusCode::kNotFound);
}

TEST(StatusOrTest, OkStatusWithoutValueBecomesInternal) {
  StatusOr<int> broken = Status::Ok();
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace anml
