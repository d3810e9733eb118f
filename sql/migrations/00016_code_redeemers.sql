-- +goose Up
-- Who redeemed each access code: a fan whose token ended comes back in on a code they redeemed
-- without taking another of its uses. Written with the redemption, under the code's row lock.
CREATE TABLE access_code_redeemers (
    code    text NOT NULL REFERENCES access_codes,
    user_id text NOT NULL,
    PRIMARY KEY (code, user_id)
);

-- +goose Down
DROP TABLE access_code_redeemers;
